"""``AlterFields``: a migration's many ``AlterField`` and ``AlterModelOptions`` as one.

Django re-renders a model's class, and every class related to it, after each operation that
alters a relation or a field a foreign key points at (``ProjectState.alter_field``): a
migration that relabels 151 fields of the dispatch models (``verbose_name``, ``help_text``)
re-rendered the dispatch, people, geo and devices models after each relation's label — a
third of a fresh database's ``migrate`` (22 s of 64 on a loaded 2-core box), for a change the
database never sees. Applied as one operation, the model states are changed field by field as before
and the classes are rendered once at the end: the same state, one render. Only for changes
the database never sees (labels, help texts, choices): it checks so when applied.

A database that already applied such a migration is not touched: only the operations'
grouping changed, not what they do (``makemigrations --check`` compares the same end state).
"""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.fields import AlterField
from django.db.migrations.operations.models import AlterModelOptions
from django.db.migrations.state import ProjectState


class AlterFields(Operation):
    """``operations`` (``AlterField`` and ``AlterModelOptions``, each field once, none of them
    a schema change), applied with one render of the models they touch."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, operations: list[AlterField | AlterModelOptions]) -> None:
        seen: set[tuple[str, str]] = set()
        for op in operations:
            if not isinstance(op, AlterField | AlterModelOptions):
                raise TypeError(f"AlterFields groups AlterField and AlterModelOptions: {op!r}")
            if isinstance(op, AlterField):
                key = (op.model_name_lower, op.name_lower)
                if key in seen:
                    # The schema change reads each field's old and new form from the states
                    # before and after the whole group: a field altered twice would skip one.
                    raise ValueError(f"AlterFields alters {key[0]}.{key[1]} twice")
                seen.add(key)
        self.operations = list(operations)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (f"{__name__}.{type(self).__name__}", [self.operations], {})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        # Each operation changes its model's state and asks for a reload (delayed or not);
        # the reloads are gathered and done once, the eager ones together.
        eager: dict[tuple[str, str], bool] = {}

        def gather(app: str, model: str, delay: bool = False) -> None:
            eager[app, model] = eager.get((app, model), False) or not delay

        setattr(state, "reload_model", gather)  # noqa: B010 — an instance's, for the loop
        try:
            for op in self.operations:
                op.state_forwards(app_label, state)
        finally:
            del state.reload_model
        if "apps" not in state.__dict__:  # not rendered: nothing to reload (as reload_model)
            return
        # As ProjectState.reload_models, the delayed and the eager in one render.
        render: Any = state  # Django's own steps, which its stubs do not list
        related: set[tuple[str, str]] = set()
        for (app, model), now in eager.items():
            related |= render._find_reload_model(app, model, delay=not now)
        render._reload(related)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        self._unseen(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        self._unseen(app_label, schema_editor, to_state, from_state)

    def _unseen(
        self, app_label: str, schema_editor: Any, before: ProjectState, after: ProjectState
    ) -> None:
        """Nothing to do in the database, which is checked: the group is for changes the
        database never sees (labels, help texts, choices). A schema change would read the
        models before and after the whole group, not after each operation (SQLite remakes a
        table from the old model: a second change of one table would undo the first)."""
        for op in self.operations:
            if not isinstance(op, AlterField):
                continue
            old = before.apps.get_model(app_label, op.model_name)._meta.get_field(op.name)
            new = after.apps.get_model(app_label, op.model_name)._meta.get_field(op.name)
            if schema_editor._field_should_be_altered(old, new):
                raise ValueError(
                    f"AlterFields is for changes the database never sees: "
                    f"{op.model_name}.{op.name} changes the schema (use AlterField)"
                )

    def describe(self) -> str:
        return f"Alter {len(self.operations)} fields and options"

    @property
    def migration_name_fragment(self) -> str:
        return "alter_fields"
