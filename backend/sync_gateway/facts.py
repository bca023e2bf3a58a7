"""Recording facts with the protocol's rules. PLACEHOLDER: replaced by issue 3 work."""
