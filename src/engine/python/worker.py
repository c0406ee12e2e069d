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
import types

PROTOCOL = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
sys.stdout = sys.stderr

# Beside this file: its folder is sys.path[0] until the project root is put first.
import aiw_jinja
import aiw_paste
from aiw_jinja import ENV, jinja2

SCOPES = {}
BASES = {}
UNSET = aiw_jinja.UNSET
MAX_PRINTED = 8192

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


def plain(value):
    """JSON for what JSON has no type for: sets and tuples as lists, dates as ISO text, else str()."""
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if jinja2 and isinstance(value, jinja2.Undefined):
        return None
    return str(value)


def render(req):
    """Render each `[source, mode]` item; one failing item does not hide the others' answers."""
    aiw_jinja.need_jinja()
    scope = SCOPES[req["scope"]]
    answers = []
    for source, mode in req["items"]:
        try:
            answers.append(aiw_jinja.render_one(scope, source, mode))
        except Exception as err:
            answers.append(failure(err, req))
    return {"value": answers}


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


def shifted(code_object, delta):
    """The same code with every line number `delta` further down, its nested functions too."""
    consts = tuple(shifted(c, delta) if isinstance(c, types.CodeType) else c for c in code_object.co_consts)
    return code_object.replace(co_firstlineno=code_object.co_firstlineno + delta, co_consts=consts)


def compile_block(code, file, line):
    """Compile a block so that its line numbers are the skill file's. Most blocks compile as they
    are and have their line numbers moved down after; a syntax error is raised again from the
    block placed at its line (blank lines in front), so that its line is the file's too. Only a
    block with a top-level `return` takes the slower way through the AST, where each such `return`
    becomes the end of the block."""
    key = (code, file, line)
    compiled = CODE.get(key)
    if compiled is not None:
        return compiled
    try:
        compiled = shifted(compile(code, file, "exec"), line - 1)
    except SyntaxError:
        compiled = None
    if compiled is None:
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


def answer_text(answer, req_id):
    answer["id"] = req_id
    try:
        return json.dumps(answer, default=plain)
    except (TypeError, ValueError) as err:
        return json.dumps({"id": req_id, "error": {"type": type(err).__name__, "message": f"value cannot cross as JSON: {err}", "line": None}})


def run_blocks(req):
    """Blocks of consecutive compute steps in one request: each answers as `id + k` as soon as it has
    run; after each that succeeds, its value and its step's state (`state`, JSON from the engine's
    step-state.ts) are set in the scope exactly as the engine would send them; the first error ends
    the request."""
    scope = req["scope"]
    for k, block in enumerate(req["blocks"]):
        block["scope"] = scope
        try:
            answer = execute(block)
        except Exception as err:  # the step fails with this message; the worker lives on
            answer = failure(err, block)
        text = answer_text(answer, req["id"] + k)
        PROTOCOL.write(text + "\n")
        if "error" in answer:
            return
        try:
            value = json.loads(text).get("value")
            update([["set", scope, block["output"], value],
                    ["member", scope, "steps", block["step"], json.loads(req["state"])]])
        except Exception as err:  # the next block fails with it, as the engine's update would have
            if k + 1 < len(req["blocks"]):
                PROTOCOL.write(answer_text(failure(err, req["blocks"][k + 1]), req["id"] + k + 1) + "\n")
            return


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
            if op == "blocks":
                run_blocks(req)
                continue
            if op == "render":
                answer = render(req)
            elif op == "exec":
                answer = execute(req)
            else:
                answer = {}
        except Exception as err:  # the step fails with this message; the worker lives on
            answer = failure(err, req)
        PROTOCOL.write(answer_text(answer, req["id"]) + "\n")


if __name__ == "__main__":
    main()
