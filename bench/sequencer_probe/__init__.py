"""A database backend for bench/scale.py that times the sequencer lock (see ``base``)."""
