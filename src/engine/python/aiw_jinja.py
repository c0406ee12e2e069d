"""Templates and conditions of `dialect: python` skills, rendered by real Jinja2 as the original
project rendered them, minus its bugs: autoescape off, undefined names remembered (so aiw can warn),
conditions read as values (None and empty are false), and the Python builtins the original's
conditions called (len, str, any, ...) available, with a warning that the original skipped them.
"""
import sys

try:
    import jinja2
    import jinja2.meta
except ImportError:  # compute still works; templates say what to install
    jinja2 = None

UNSET = object()

# Names a condition or template may call although real Jinja2 has no such global: the original's
# conditions that call them raised and were taken as false; aiw evaluates them as meant (and warns).
EXTRA_GLOBALS = {
    "len": len, "str": str, "int": int, "float": float, "bool": bool, "list": list, "tuple": tuple,
    "set": set, "any": any, "all": all, "sorted": sorted, "min": min, "max": max, "sum": sum,
    "abs": abs, "round": round, "enumerate": enumerate, "zip": zip, "reversed": reversed,
}
FALSE_TEXT = {"false", "0", "no", "", "none"}


class RecordingUndefined(jinja2.Undefined if jinja2 else object):
    """Jinja2's default Undefined (renders empty, as the original's did), remembering the names."""

    seen = []

    def __init__(self, hint=None, obj=jinja2.utils.missing if jinja2 else None, name=None, exc=None):
        if exc is None:
            super().__init__(hint, obj, name)
        else:
            super().__init__(hint, obj, name, exc)
        # Only names missing from the scope; a missing key or attribute is the data's business.
        if name is not None and obj is jinja2.utils.missing:
            RecordingUndefined.seen.append(name)


def make_env(extra):
    env = jinja2.Environment(autoescape=False, undefined=RecordingUndefined, keep_trailing_newline=True)
    env.filters["length"] = len
    env.filters["jira_link"] = lambda v, base="": link_keys(v, base)
    if extra:
        env.globals.update(EXTRA_GLOBALS)
    return env


def link_keys(value, base):
    import re
    return re.sub(r"\b([A-Z][A-Z0-9]+-\d+)\b", lambda m: f"[{m.group(1)}]({base.rstrip('/')}/browse/{m.group(1)})", str(value))


ENV = make_env(True) if jinja2 else None
PLAIN_ENV = make_env(False) if jinja2 else None
TEMPLATES = {}
EXPRESSIONS = {}


def need_jinja():
    if jinja2 is None:
        raise RuntimeError("templates of `dialect: python` skills need Jinja2 in this Python "
                           f"({sys.executable}): apt-get install python3-jinja2, or pip install jinja2")


EXTRA_NAME = None


def uses_extras(source, scope, expression):
    """The names the source calls that only aiw's extra globals define (the original lacked them)."""
    global EXTRA_NAME
    if EXTRA_NAME is None:
        import re
        EXTRA_NAME = re.compile(r"\b(" + "|".join(EXTRA_GLOBALS) + r")\s*\(")
    if not EXTRA_NAME.search(source):
        return []
    try:
        tree = PLAIN_ENV.parse("{{ " + source + " }}" if expression else source)
    except jinja2.TemplateSyntaxError:
        return []
    names = jinja2.meta.find_undeclared_variables(tree)
    return sorted(n for n in names if n in EXTRA_GLOBALS and n not in scope)


def render_one(scope, source, mode):
    RecordingUndefined.seen = []
    warnings = []
    as_text = mode == "text" or (mode == "condition" and "{{" in source)
    try:
        if as_text:
            template = TEMPLATES.get(source)
            if template is None:
                template = TEMPLATES[source] = ENV.from_string(source)
            value = template.render(scope)
        else:
            expr = EXPRESSIONS.get(source)
            if expr is None:
                expr = EXPRESSIONS[source] = ENV.compile_expression(source, undefined_to_none=False)
            value = expr(scope)
            if isinstance(value, jinja2.Undefined):
                value = UNSET
    except Exception as err:
        if mode != "condition":
            raise
        # The original took a condition that raised as false; so does aiw, but it says so.
        return {"value": False, "warnings": [f"condition raised {type(err).__name__}: {err}; taken as false, as the original did"]}
    extras = uses_extras(source, scope, not as_text)
    if extras:
        warnings.append("calls " + ", ".join(f"{n}()" for n in extras) + ", which Jinja2 lacks: the original "
                        "executor raised here and " + ("skipped the step" if mode == "condition" else "used the text unrendered")
                        + "; aiw evaluates it as written")
    answer = {"warnings": warnings}
    if mode == "condition":
        answer["value"] = truth(value)
    else:
        answer["undefined"] = sorted(set(RecordingUndefined.seen))
        if value is not UNSET:
            answer["value"] = value
    return answer


def truth(value):
    """The original's reading of a condition, minus its bug: None and empty lists are false."""
    if value is UNSET or value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_TEXT
    return bool(value)
