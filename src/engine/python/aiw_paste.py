"""Rendering a Python compute block's `{{ }}` as the original did, without letting data become code.

The original rendered a block as a Jinja2 template and ran the text, so a value from a tool or an
input was pasted into the code: a pod name holding `"); os.system("...` ran. Here each `{{ expr }}`
is placed by where it stands in the Python source:

- inside a string literal: the value's text, escaped for that literal (quotes, backslashes, line
  breaks; braces too in an f-string), so it stays inside the string;
- inside a comment: the text with line breaks removed;
- in code: a non-text value as its Python literal (`repr`: the same text Jinja2 prints for numbers,
  booleans, None, lists and dicts); text only when it is a name or a number (what a pasted word can
  be without becoming a call), else the step fails and says to read the variable instead.

A block with `{% %}` tags is rendered whole, and every pasted text must then be a name or a number.
"""
import io
import re
import tokenize

SLOT = re.compile(r"\{\{(.*?)\}\}", re.S)
MARK = "__aiw_slot_{}__"
MARKS = re.compile(r"__aiw_slot_(\d+)__")
PLAIN_WORD = re.compile(r"[A-Za-z0-9_.+-]*")
ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "'": "\\'", '"': '\\"'}


class UnsafePaste(Exception):
    """A value that cannot be placed in the code as data."""


def render_block(env, code, scope):
    """The block with its `{{ }}` rendered; raises a jinja2 TemplateError when it is not a template
    (the caller then runs it as written) and UnsafePaste for a value that would become code."""
    if "{%" in code or "{#" in code:
        return whole(env, code, scope)
    exprs = []

    def mark(m):
        exprs.append(m.group(1))
        return MARK.format(len(exprs) - 1)

    marked = SLOT.sub(mark, code)
    if "{{" in marked or "}}" in marked:
        env.parse(code)  # a stray brace: let Jinja2 say whether this is a template at all
    compiled = [env.compile_expression(e, undefined_to_none=False) for e in exprs]
    places = where_slots_are(marked)
    out = []
    last = 0
    for m in MARKS.finditer(marked):
        i = int(m.group(1))
        value = compiled[i](scope)
        out.append(marked[last:m.start()])
        out.append(place(value, places.get(i, ("code", "")), exprs[i]))
        last = m.end()
    out.append(marked[last:])
    return "".join(out)


def where_slots_are(marked):
    """For each slot: ("string", prefix+quote) when inside a literal, ("comment", ""), else code."""
    places = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(marked).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return places  # not Python yet: every slot is treated as code, the strictest placing
    for tok in tokens:
        name = tokenize.tok_name.get(tok.type, "")
        if tok.type == tokenize.STRING or name.startswith("FSTRING"):
            kind = ("string", literal_prefix(tok.string))
        elif tok.type == tokenize.COMMENT:
            kind = ("comment", "")
        else:
            continue
        for i in MARKS.findall(tok.string):
            places[int(i)] = kind
    return places


def literal_prefix(text):
    m = re.match(r"[A-Za-z]*", text)
    return m.group(0).lower() if m else ""


def place(value, where, expr):
    kind, prefix = where
    undefined = type(value).__name__.endswith("Undefined")
    if kind == "comment":
        return "" if undefined else str(value).replace("\n", " ").replace("\r", " ")
    if kind == "string":
        text = "" if undefined else str(value)
        if "r" in prefix:
            if any(c in text for c in "\\'\"\n\r"):
                raise UnsafePaste(f"{{{{{expr}}}}} holds quotes, backslashes or line breaks and stands in a raw string")
            return text
        text = "".join(ESCAPES.get(c, c) for c in text)
        if "f" in prefix:
            text = text.replace("{", "{{").replace("}", "}}")
        return text
    return code_text(value, expr, undefined)


def code_text(value, expr, undefined=False):
    if undefined:
        return ""
    if not isinstance(value, str):
        return repr(value)
    if PLAIN_WORD.fullmatch(value):
        return value
    raise UnsafePaste(f"{{{{{expr}}}}} stands in code and its text {value[:60]!r} would run as code; "
                      f"read the value as a variable instead (e.g. inputs.get('name'), or the output's name)")


def whole(env, code, scope):
    strict = env.overlay(finalize=lambda v: code_text(v, " a value in a tagged block ", type(v).__name__.endswith("Undefined")))
    return strict.from_string(code).render(scope)
