"""aiw's Python worker: runs the Python compute blocks and renders the Jinja2 templates of skills
that say `dialect: python`, with the semantics of the project those skills come from.

One worker serves a whole run. It reads one JSON request per line on stdin and writes one JSON
answer per line on the protocol channel (a copy of the original stdout; `print` in a block goes to
a buffer that is sent back, so nothing a block prints can corrupt the protocol). Values cross as
JSON both ways. The worker keeps each running skill's scope (by id) so that a step's output is sent
once, not with every request.
"""
import ast
import io
import json
import os
import sys
import traceback

PROTOCOL = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
sys.stdout = sys.stderr

try:
    import jinja2
    import jinja2.meta
except ImportError:  # compute still works; templates say what to install
    jinja2 = None

import aiw_paste  # beside this file (its folder is sys.path[0] until the project root is put first)

SCOPES = {}
BASES = {}
UNSET = object()
MAX_PRINTED = 8192

# Names a condition or template may call although real Jinja2 has no such global: the original's
# conditions that call them raised and were taken as false; aiw evaluates them as meant (and warns).
EXTRA_GLOBALS = {
    "len": len, "str": str, "int": int, "float": float, "bool": bool, "list": list, "tuple": tuple,
    "set": set, "any": any, "all": all, "sorted": sorted, "min": min, "max": max, "sum": sum,
    "abs": abs, "round": round, "enumerate": enumerate, "zip": zip, "reversed": reversed,
}
FALSE_TEXT = {"false", "0", "no", "", "none"}


class Return(BaseException):
    """A `return` at the top level of a block: ends the block with its value."""

    def __init__(self, value):
        super().__init__()
        self.value = value


class TopLevelReturns(ast.NodeTransformer):
    """Turn `return x` outside any function into `raise __aiw_return__(x)`."""

    def visit_FunctionDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def visit_Return(self, node):
        value = node.value or ast.Constant(value=None)
        call = ast.Call(func=ast.Name(id="__aiw_return__", ctx=ast.Load()), args=[value], keywords=[])
        return ast.copy_location(ast.Raise(exc=call, cause=None), node)


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


def plain(value):
    """JSON for what JSON has no type for: sets and tuples as lists, dates as ISO text, else str()."""
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if jinja2 and isinstance(value, jinja2.Undefined):
        return None
    return str(value)


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


def render(req):
    """Render each `[source, mode]` item; one failing item does not hide the others' answers."""
    need_jinja()
    scope = SCOPES[req["scope"]]
    answers = []
    for source, mode in req["items"]:
        try:
            answers.append(render_one(scope, source, mode))
        except Exception as err:
            answers.append(failure(err, req))
    return {"value": answers}


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


def ready_made():
    import re
    from datetime import datetime, timedelta
    from pathlib import Path
    names = {"re": re, "os": os, "Path": Path, "datetime": datetime, "timedelta": timedelta, "json": json}
    try:
        from zoneinfo import ZoneInfo
        names["ZoneInfo"] = ZoneInfo
    except ImportError:
        pass
    names.update(team_helpers())
    return names


HELPER_MODULES = ["parsers", "jira_utils", "memory", "config_loader", "lint_utils", "repo_utils", "slack_utils"]
HELPER_FUNCTIONS = ["load_config", "get_timezone", "emit_event"]


def team_helpers():
    """The team's `scripts/common` modules and functions, when they import (as in the original)."""
    import importlib
    found = {}
    try:
        package = importlib.import_module("scripts.common")
    except Exception:
        return found
    modules = [package]
    for name in HELPER_MODULES:
        try:
            found[name] = importlib.import_module(f"scripts.common.{name}")
            modules.append(found[name])
        except Exception:
            pass
    for name in HELPER_FUNCTIONS:
        for module in modules:
            if callable(getattr(module, name, None)):
                found[name] = getattr(module, name)
                break
    return found


READY = None
CODE = {}


def compile_block(code, file, line):
    """Compile a block so that its line numbers are the skill file's. Most blocks compile as they
    are (blank lines in front give the offset); only a block with a top-level `return` takes the
    slower way through the AST, where each such `return` becomes the end of the block."""
    key = (code, file, line)
    compiled = CODE.get(key)
    if compiled is not None:
        return compiled
    try:
        compiled = compile("\n" * (line - 1) + code, file, "exec")
    except SyntaxError as err:
        if "outside function" not in str(err.msg):
            raise
        tree = ast.parse("\n" * (line - 1) + code, filename=file)
        tree = ast.fix_missing_locations(TopLevelReturns().visit(tree))
        compiled = compile(tree, file, "exec")
    if len(CODE) < 4096:
        CODE[key] = compiled
    return compiled


def execute(req):
    global READY
    if READY is None:
        READY = ready_made()
    scope = SCOPES[req["scope"]]
    code = req["code"]
    warnings = []
    if "{{" in code and jinja2 is not None:
        # Rendered first, as the original did, but with every value placed as data (aiw_paste);
        # code that is not a valid template runs as written.
        try:
            code = aiw_paste.render_block(ENV, code, scope)
        except jinja2.TemplateError:
            pass
    # A fresh copy of the skill's scope per block (the original's rule: a block's own variables do
    # not persist); copied from a base kept up to date by update(), so a block costs one dict copy.
    base = BASES.get(req["scope"])
    if base is None:
        base = BASES[req["scope"]] = dict(READY)
        base.update(scope)
    namespace = base.copy()
    namespace["__builtins__"] = __builtins__
    namespace["__aiw_return__"] = Return
    output = req.get("output")
    before = {n: namespace.get(n, UNSET) for n in (output, "result") if n}
    printed = io.StringIO()
    returned = UNSET
    sys.stdout = printed
    try:
        exec(compile_block(code, req["file"], req["line"]), namespace)
    except Return as r:
        returned = r.value
    finally:
        sys.stdout = sys.stderr
    value = None
    for name in (output, "result"):
        if name and namespace.get(name, UNSET) is not before[name]:
            value = namespace[name]
            break
    else:
        if returned is not UNSET:
            value = returned
    text = printed.getvalue()
    answer = {"value": value, "warnings": warnings}
    if text:
        answer["printed"] = text[:MAX_PRINTED] + ("\n[aiw: printed output truncated]" if len(text) > MAX_PRINTED else "")
    return answer


def update(changes):
    """Scope changes from the engine: set or drop a name, set a key of a dict, close a scope."""
    for change in changes:
        op, scope_id = change[0], change[1]
        if op == "close":
            SCOPES.pop(scope_id, None)
            BASES.pop(scope_id, None)
            continue
        scope = SCOPES.setdefault(scope_id, {})
        name = change[2]
        if op == "set":
            scope[name] = change[3]
        elif op == "drop":
            scope.pop(name, None)
        elif op == "member":
            target = scope.get(name)
            if not isinstance(target, dict):
                target = scope[name] = {}
            target[change[3]] = change[4]
        base = BASES.get(scope_id)
        if base is not None:
            if name in scope:
                base[name] = scope[name]
            elif READY is not None and name in READY:
                base[name] = READY[name]
            else:
                base.pop(name, None)


def failure(err, req):
    """The error's type, message and the line in the skill file where it happened, if known."""
    file = req.get("file")
    line = None
    if isinstance(err, SyntaxError) and err.filename == file:
        line = err.lineno
    for frame in traceback.extract_tb(err.__traceback__):
        if file and frame.filename == file:
            line = frame.lineno
    if jinja2 and isinstance(err, jinja2.TemplateSyntaxError):
        message = f"{err.message} (line {err.lineno} of the template)"
    else:
        message = str(err)
    return {"error": {"type": type(err).__name__, "message": message, "line": line}}


def main():
    sys.path.insert(0, os.getcwd())
    PROTOCOL.write(json.dumps({"ready": True, "python": sys.version.split()[0],
                               "jinja2": getattr(jinja2, "__version__", None)}) + "\n")
    for raw in sys.stdin:
        if not raw.strip():
            continue
        req = json.loads(raw)
        try:
            update(req.get("updates", []))
            op = req["op"]
            if op == "render":
                answer = render(req)
            elif op == "exec":
                answer = execute(req)
            else:
                answer = {}
        except Exception as err:  # the step fails with this message; the worker lives on
            answer = failure(err, req)
        answer["id"] = req["id"]
        try:
            text = json.dumps(answer, default=plain)
        except (TypeError, ValueError) as err:
            text = json.dumps({"id": req["id"], "error": {"type": type(err).__name__, "message": f"value cannot cross as JSON: {err}", "line": None}})
        PROTOCOL.write(text + "\n")


if __name__ == "__main__":
    main()
