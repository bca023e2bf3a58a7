"""Django's own admin strings that its Kazakh catalog leaves untranslated, on screens every
officer sees. Marked here so that `make messages` extracts them into backend/locale, whose
catalogs Django reads before its own (LOCALE_PATHS); translated there like Kuzet's strings."""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_WORDS = (
    # Every page's title (Django's Kazakh has two misspelt and two missing, and its "Add %s"
    # puts the model's lower-case name first: "қауіп субъектісі қосу").
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    # Every object's "History" page: Kuzet changes cases through its services, not the admin.
    gettext_noop(
        "This object doesn’t have a change history. It probably wasn’t added via this admin site."
    ),
    # An officer's page (the oblast administrator's): the password field and the username.
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Reset password"),
    gettext_noop("Set password"),
    # … of an officer who has none (a duty officer's before the console is opened to them).
    gettext_noop("No password set."),
    gettext_noop("Enable password-based authentication for this user by setting a password."),
    gettext_noop("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
    # A new officer's form (a chief's, the oblast administrator's): its help and the password
    # rules (AUTH_PASSWORD_VALIDATORS), as help under the field and as errors after a try.
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("This password is too common."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("The two password fields didn’t match."),
    # The rest of an officer's fields, on the superuser's form.
    gettext_noop("email address"),
    gettext_noop(
        "The groups this user belongs to. A user will get all permissions granted to each of "
        "their groups."
    ),
    gettext_noop("Specific permissions for this user."),
    # What the admin says after a save, a delete or an action (Django's Kazakh has the plain
    # "added"/"changed" but not these, so a save read "The қайшылық “…” was changed
    # successfully. You may edit it again below.").
    gettext_noop("You may edit it again below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    # A list's action bar before a row is ticked (Django's Kazakh kept "0 of" in English) and
    # the delete action's name (its Kazakh read "the selected … were deleted").
    gettext_noop("0 of %(cnt)s selected"),
    gettext_noop("Delete selected %(verbose_name_plural)s"),
)

# Plural forms: lazy, so nothing is translated at import (makemessages reads the calls).
DJANGO_PLURALS = (
    ngettext_lazy("Please correct the error below.", "Please correct the errors below.", "n"),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
)
