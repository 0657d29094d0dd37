"""The markup of a form field (label, hint, error, the control, the character counter), written
from a WTForms field by plain functions that templates call as `input(field)`, `radios(field)`,
`any_field(field)` and the like.

They were Jinja macros: a wizard page's fields went through a dozen nested macro calls, each
paid through Jinja's call machinery, a seventh of the page's rendering. The markup is the same;
the browser still gets no required/maxlength/pattern attributes, as validation is the server's.

What a field's limit is and how numbers keep their direction belong to the reporter's room
(intake); `install` is given them by the application factory."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from markupsafe import Markup, escape

from i18n import gettext

NO_HINTS: Mapping[str, Any] = {}


class FieldMarkup:
    """The field functions, given how to state a limit and how to write text with numbers."""

    def __init__(self, *, numbers: Callable[[Any], Markup],
                 limit_of: Callable[[Any], int | None],
                 limit_hint: Callable[[int], str]) -> None:
        self.numbers = numbers
        self.limit_of = limit_of
        self.limit_hint = limit_hint

    def globals(self) -> dict[str, Callable[..., Markup]]:
        return {"any_field": self.any_field, "input": self.input, "textarea": self.textarea,
                "radios": self.radios, "select": self.select, "checkboxes": self.checkboxes,
                "checkbox": self.checkbox, "field_error": self.field_error,
                "described_by": described_by}

    def any_field(self, field: Any, heading: bool = False,
                  hints: Mapping[str, Any] = NO_HINTS) -> Markup:
        """Any field, by its type; `heading` makes its label or legend the page's h1."""
        kind = field.type
        if kind == "RadioField":
            return self.radios(field, legend_as_heading=heading, hints=hints)
        if kind == "CheckboxesField":
            return self.checkboxes(field, legend_as_heading=heading)
        if kind == "BooleanField":
            return self.checkbox(field)
        if kind == "TextAreaField":
            return self.textarea(field, label_as_heading=heading)
        if kind == "SelectField":
            return self.select(field, label_as_heading=heading)
        return self.input(field, label_as_heading=heading)

    def input(self, field: Any, hint: Any = None, type: str | None = None,  # noqa: A002
              autocomplete: str | None = None, inputmode: str | None = None,
              width: str | None = None, label_as_heading: bool = False,
              spellcheck: Any = None) -> Markup:
        kw = field.render_kw or {}
        hint = hint or field.description
        maximum = self.limit_of(field)
        stated = self.limit_hint(maximum) if maximum is not None else ""
        spellcheck = spellcheck if spellcheck is not None else kw.get("spellcheck")
        width = width or kw.get("width")
        inputmode = inputmode or kw.get("inputmode")
        field_id = escape(field.id)
        attributes = [
            f'<input class="input{f" input-{escape(width)}" if width else ""}'
            f'{" input-error" if field.errors else ""}" id="{field_id}" '
            f'name="{escape(field.name)}" type="{escape(type or kw.get("type", "text"))}" '
            f'value="{escape(field._value())}" '
            f'autocomplete="{escape(autocomplete or kw.get("autocomplete", "off"))}"'
            f' dir="{escape(kw.get("dir") or "auto")}"']
        if inputmode:
            attributes.append(f' inputmode="{escape(inputmode)}"')
        if spellcheck is not None:
            attributes.append(f' spellcheck="{escape(spellcheck)}"')
        if maximum:
            attributes.append(_limit_attribute(field_id, maximum))
        attributes.append(described_by(field, hint or stated))
        return Markup(
            f"{_group(field)}\n"
            f"  {_label(field, label_as_heading)}\n"
            f"  {self._hint(field_id, hint, stated)}{self.field_error(field)}\n"
            f'  {"".join(attributes)}>\n'
            f'  {_character_count(field_id) if maximum else ""}\n'
            "</div>")

    def textarea(self, field: Any, hint: Any = None, rows: int | None = None,
                 label_as_heading: bool = False) -> Markup:
        hint = hint or field.description
        rows = rows or (field.render_kw or {}).get("rows", 8)
        maximum = self.limit_of(field)
        stated = self.limit_hint(maximum) if maximum is not None else ""
        field_id = escape(field.id)
        return Markup(
            f"{_group(field)}\n"
            f"  {_label(field, label_as_heading)}\n"
            f"  {self._hint(field_id, hint, stated)}{self.field_error(field)}\n"
            f'  <textarea class="textarea{" input-error" if field.errors else ""}" '
            f'id="{field_id}" name="{escape(field.name)}" rows="{escape(rows)}" dir="auto"'
            f'{_limit_attribute(field_id, maximum) if maximum else ""}'
            f'{described_by(field, hint or stated)}>{escape(field._value())}</textarea>\n'
            f'  {_character_count(field_id) if maximum else ""}\n'
            "</div>")

    def radios(self, field: Any, hint: Any = None, legend_as_heading: bool = True,
               hints: Mapping[str, Any] = NO_HINTS) -> Markup:
        hint = hint or field.description
        field_id = escape(field.id)
        name = escape(field.name)
        options = []
        for index, choice in enumerate(field.iter_choices()):
            option_id = f"{field_id}-{index}"
            choice_hint = hints.get(choice.value)
            described = f' aria-describedby="{option_id}-hint"' if choice_hint else ""
            options.append(
                f'      <div class="radio">\n'
                f'        <input id="{option_id}" name="{name}" type="radio" '
                f'value="{escape(choice.value)}"{" checked" if choice.selected else ""}'
                f"{described}>\n"
                f'        <label for="{option_id}">{escape(choice.label)}</label>\n'
                + (f'        <p class="hint radio-hint" id="{option_id}-hint">'
                   f"{self.numbers(choice_hint)}</p>\n" if choice_hint else "")
                + "      </div>\n")
        return self._fieldset(field, field_id, hint, legend_as_heading, "radios", options)

    def checkboxes(self, field: Any, legend_as_heading: bool = False) -> Markup:
        field_id = escape(field.id)
        name = escape(field.name)
        options = [
            f'      <div class="checkbox">\n'
            f'        <input id="{field_id}-{index}" name="{name}" type="checkbox" '
            f'value="{escape(choice.value)}"{" checked" if choice.selected else ""}>\n'
            f'        <label for="{field_id}-{index}">{escape(choice.label)}</label>\n'
            "      </div>\n"
            for index, choice in enumerate(field.iter_choices())]
        return self._fieldset(field, field_id, field.description, legend_as_heading,
                              "checkboxes", options)

    def select(self, field: Any, hint: Any = None, label_as_heading: bool = False) -> Markup:
        hint = hint or field.description
        field_id = escape(field.id)
        # The municipality list has 358 options: no whitespace between them (3.6 KB a page).
        options = "".join(
            f'<option value="{escape(choice.value)}"{" selected" if choice.selected else ""}>'
            f"{escape(choice.label)}</option>" for choice in field.iter_choices())
        return Markup(
            f"{_group(field)}\n"
            f"  {_label(field, label_as_heading)}\n"
            f"  {self._hint(field_id, hint, '')}{self.field_error(field)}\n"
            f'  <select class="select{" input-error" if field.errors else ""}" id="{field_id}" '
            f'name="{escape(field.name)}"{described_by(field, hint)}>{options}\n'
            "  </select>\n"
            "</div>")

    def checkbox(self, field: Any) -> Markup:
        field_id = escape(field.id)
        described = f' aria-describedby="{field_id}-error"' if field.errors else ""
        return Markup(
            f"{_group(field)}\n"
            f"  {self.field_error(field)}\n"
            '  <div class="checkbox">\n'
            f'    <input id="{field_id}" name="{escape(field.name)}" type="checkbox" value="y"'
            f'{" checked" if field.data else ""}{described}>\n'
            f'    <label for="{field_id}">{escape(field.label.text)}</label>\n'
            "  </div>\n"
            "</div>")

    def _fieldset(self, field: Any, field_id: Markup, hint: Any, legend_as_heading: bool,
                  group: str, options: list[str]) -> Markup:
        label = escape(field.label.text)
        return Markup(
            f"{_group(field)}\n"
            f'  <fieldset class="fieldset" id="{field_id}"{described_by(field, hint)}>\n'
            f'    <legend class="legend">'
            f'{f"<h1>{label}</h1>" if legend_as_heading else label}</legend>\n'
            f"    {self._hint(field_id, hint, '')}{self.field_error(field)}\n"
            f'    <div class="{group}">\n'
            f'{"".join(options)}'
            "    </div>\n"
            "  </fieldset>\n"
            "</div>")

    def field_error(self, field: Any) -> Markup:
        if not field.errors:
            return Markup("")
        error = Markup(gettext("Error:"))
        return Markup(
            f'<p class="error-message" id="{escape(field.id)}-error">'
            f'<span class="visually-hidden">{error}</span> '
            f"{self.numbers(field.errors[0])}</p>")

    def _hint(self, field_id: Markup, hint: Any, stated: str) -> str:
        """The hint, with the field's limit ("Up to 2,000 characters.") when it has one."""
        if not (hint or stated):
            return ""
        parts = [self.numbers(hint)] if hint else []
        if stated:
            parts.append(f'<span class="limit">{self.numbers(stated)}</span>')
        return f'<p class="hint" id="{field_id}-hint">{" ".join(parts)}</p>'


def described_by(field: Any, hint: Any) -> Markup:
    ids = [f"{field.id}-hint"] if hint else []
    if field.errors:
        ids.append(f"{field.id}-error")
    return Markup(f' aria-describedby="{escape(" ".join(ids))}"') if ids else Markup("")


def _group(field: Any) -> str:
    return f'<div class="form-group{" form-group-error" if field.errors else ""}">'


def _label(field: Any, as_heading: bool) -> str:
    label = f'for="{escape(field.id)}">{escape(field.label.text)}</label>'
    if as_heading:
        return f'<h1 class="label-heading"><label {label}</h1>'
    return f'<label class="label" {label}'


def _limit_attribute(field_id: Markup, maximum: int) -> str:
    return f' data-limit="{maximum}" data-count="{field_id}-count"'


def _character_count(field_id: Markup) -> str:
    """With JavaScript, static/js/character-count.js shows how many characters are left and,
    once typing pauses, says it in a polite live region. Without it the paragraphs stay
    hidden."""
    left = Markup(gettext("Characters left:"))
    over = Markup(gettext("Characters too many:"))
    return (f'<p class="character-count hint" id="{field_id}-count" hidden '
            f'data-left="{left}" data-over="{over}"></p>'
            f'<p class="visually-hidden" id="{field_id}-count-live" aria-live="polite"></p>')


def install(app: Flask, markup: FieldMarkup) -> None:
    """Make the field functions every template's globals."""
    app.jinja_env.globals.update(markup.globals())
