"""Django's own admin strings that its Kazakh catalog leaves untranslated, on screens every
officer sees. Marked here so that `make messages` extracts them into backend/locale, whose
catalogs Django reads before its own (LOCALE_PATHS); translated there like Kuzet's strings."""

from django.utils.translation import gettext_noop

DJANGO_WORDS = (
    # Every object's "History" page: Kuzet changes cases through its services, not the admin.
    gettext_noop(
        "This object doesn’t have a change history. It probably wasn’t added via this admin site."
    ),
    # An officer's page (the oblast administrator's): the password field and the username.
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Reset password"),
    gettext_noop("Set password"),
    gettext_noop("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
)
