"""``ExtractorConfig``'s fields as command-line options, declared once for every front door.

``with_config_options`` adds one typer option per ``ExtractorConfig`` field to a command:
its flag is the field's name with dashes (or the field's ``cli`` name: ``timeout_s`` is
``--timeout``), its help the field's description, its bounds the field's, its environment
variable the one ``ExtractorConfig.from_env`` reads. The command receives what was given as
one dict, ``config_fields`` (unset options are absent: the environment, then the config's
defaults fill them). A field added to ``ExtractorConfig`` thus appears in ``extractor
extract`` and ``extractor serve`` at once; ``option_rows`` lists them for the README's
configuration table, which a test compares with this list.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import annotated_types
import typer
from pydantic import SecretStr

from extractor.config import ENV_VARS, ExtractorConfig

F = TypeVar("F", bound=Callable[..., Any])
# Fields only the environment sets (a secret never goes on a command line, where `ps` shows it).
ENVIRONMENT_ONLY = frozenset({"api_key"})


@dataclass(frozen=True)
class ConfigOption:
    """One ``ExtractorConfig`` field as a command-line option."""

    field: str
    flag: str  # "--timeout"; "" for a field only the environment sets
    env: str | None
    help: str
    annotation: Any  # the option's Python type (typer reads it)
    minimum: float | None
    maximum: float | None


def config_options() -> list[ConfigOption]:
    """Every ``ExtractorConfig`` field as an option, in the config's order."""
    env_of = {field: name for name, field in ENV_VARS.items()}
    options = []
    for name, info in ExtractorConfig.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        flag = "" if name in ENVIRONMENT_ONLY else str(extra.get("cli") or "--" + name.replace("_", "-"))
        minimum = maximum = None
        for meta in info.metadata:
            if isinstance(meta, annotated_types.Ge):
                minimum = meta.ge  # type: ignore[assignment]
            if isinstance(meta, annotated_types.Le):
                maximum = meta.le  # type: ignore[assignment]
        options.append(
            ConfigOption(
                field=name, flag=flag, env=env_of.get(name), help=info.description or "",
                annotation=_option_type(info.annotation), minimum=minimum, maximum=maximum,
            )
        )  # fmt: skip
    return options


def _option_type(annotation: Any) -> Any:
    """The type a command-line option parses for a field's annotation (always optional: unset is None)."""
    args = [a for a in get_args(annotation) if a is not type(None)] if _is_union(annotation) else [annotation]
    if any(get_origin(a) is Literal for a in args) or len(args) > 1:
        return str | None  # a choice ("tools", "json") or a number or "auto": validated by the config
    (only,) = args
    if only is SecretStr:
        return str | None
    if only in (str, int, float, bool, Path):
        return only | None
    raise TypeError(f"ExtractorConfig field type {annotation!r} has no command-line form")


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _parameter(option: ConfigOption) -> inspect.Parameter:
    flags = [option.flag]
    if option.annotation == bool | None:
        flags = [f"{option.flag}/--no-{option.flag.removeprefix('--')}"]
    typer_option = typer.Option(
        *flags, envvar=None, help=option.help, min=option.minimum, max=option.maximum, show_default=False
    )
    annotation = Annotated[option.annotation, typer_option]
    return inspect.Parameter(option.field, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)


def with_config_options(*, exclude: Collection[str] = ()) -> Callable[[F], F]:
    """Add every ``ExtractorConfig`` field (but ``exclude``) as an option; the command gets ``config_fields``.

    The environment is not read here (``ExtractorConfig.from_env`` reads it, once, for every door).
    """
    chosen = [o for o in config_options() if o.flag and o.field not in exclude]

    def decorate(command: F) -> F:
        # Evaluated annotations (the command's module may use `from __future__ import annotations`): typer
        # reads each option's typer.Option from the signature, which it takes as given here.
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "config_fields"]
        clash = {p.name for p in own} & {o.field for o in chosen}
        if clash:
            raise TypeError(f"{command.__name__} declares config options by hand: {sorted(clash)}")
        generated = [_parameter(o) for o in chosen]

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            fields = {o.field: kwargs.pop(o.field) for o in chosen if kwargs.get(o.field) is not None}
            for o in chosen:
                kwargs.pop(o.field, None)
            return command(**kwargs, config_fields=fields)

        wrapper.__signature__ = signature.replace(parameters=[*own, *generated])  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in [*own, *generated]}
        if signature.return_annotation is not inspect.Signature.empty:
            wrapper.__annotations__["return"] = signature.return_annotation
        return wrapper  # type: ignore[return-value]

    return decorate


def option_rows() -> list[tuple[str, str, str]]:
    """(field, flag, environment variable) for the README's configuration table."""
    return [(o.field, o.flag, o.env or "") for o in config_options()]
