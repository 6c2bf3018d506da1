"""Deploy by file upload and roll back to an earlier version (issue 15, point 11).

* ``POST /editor/upload`` — a form (``csrf_token``, ``files``: one or several ``.bpmn``,
  ``.dmn`` and form ``.schema.json`` files) deployed as ONE deployment through the service the
  API uses (``definitions.deploy``): all or nothing. A refused upload shows the editor list
  again (422) with every problem (file, line, element) in the page language; nothing is
  stored. At most :data:`MAX_FILES` files of at most ``MAX_DOCUMENT_BYTES`` each (the request
  itself is capped in :mod:`web.security`).
* ``GET /editor/<key>/versions/<n>/rollback`` — the confirmation step;
  ``POST`` (``csrf_token``) deploys version n's content again as the NEWEST version
  (``definitions.rollback``; audit ``rolled_back``), back to the version history with a message.

File names: a file whose name (without folders) matches exactly one deployed file replaces that
file under its full name (``forms/x.schema.json``, ``messages/y.schema.json``); a new
``.schema.json`` is a form (``forms/<name>``); a new diagram or decision keeps its name.

Process owners and admins only.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import MAX_DOCUMENT_BYTES, Conflict, DeployError, NotFound, Problem
from web.auth import page_login_required
from web.pages.common import bp, engine
from web.pages.editor import MAX_UPLOAD_FILES, _int, _owner, editor_list_context
from web.pages.editor_problems import problem_dicts

MAX_FILES = MAX_UPLOAD_FILES
MAX_NAME = 200
FORMS_DIR = "forms/"
SCHEMA_SUFFIX = ".schema.json"


def deploy_name(file_name: str, deployed: list[str]) -> str:
    """The name an uploaded file is deployed under (see the module docstring)."""
    same = [name for name in deployed if name.rsplit("/", 1)[-1] == file_name]
    if len(same) == 1:
        return same[0]
    if file_name.lower().endswith(SCHEMA_SUFFIX):
        return FORMS_DIR + file_name
    return file_name


def _uploaded() -> tuple[dict[str, bytes], list[Problem]]:
    """The uploaded files by deploy name, and what is wrong with the upload itself."""
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    uploads = [f for f in request.files.getlist("files") if f.filename]
    if len(uploads) > MAX_FILES:
        return {}, [Problem("(none)", f"at most {MAX_FILES} files at once")]
    deployed = engine().definitions.source_names()
    for storage in uploads:
        base = (storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
        if not base or len(base) > MAX_NAME or "\x00" in base or base in (".", ".."):
            problems.append(Problem(base[:MAX_NAME] or "(none)", "the file name is not usable"))
            continue
        content = storage.read(MAX_DOCUMENT_BYTES + 1)
        name = deploy_name(base, deployed)
        if len(content) > MAX_DOCUMENT_BYTES:
            problems.append(Problem(base, f"the file is larger than "
                                          f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB"))
        elif name in files:
            problems.append(Problem(base, "the same file name is uploaded twice"))
        else:
            files[name] = content
    return files, problems


@bp.post("/editor/upload")
@page_login_required
def editor_upload() -> ResponseReturnValue:
    """Deploy the uploaded files as one deployment; all or nothing."""
    actor = _owner()
    files, problems = _uploaded()
    if not files and not problems:
        problems = [Problem("(none)", "no file was chosen")]
    if not problems:
        try:
            result = engine().definitions.deploy(files, actor=actor.username)
        except DeployError as err:
            problems = err.problems
        else:
            new = ", ".join(_("%(key)s version %(v)s", key=v.key, v=v.version)
                            for v in result.new_versions)
            flash(_("Deployed: %(versions)s.", versions=new) if new else
                  _("Nothing changed: the files were already deployed with this content."),
                  "success")
            return redirect(url_for("pages.editor_list"))
    return render_template("editor/list.html", upload_problems=problem_dicts(problems),
                           **editor_list_context()), 422


def _restorable(key: str, version: int) -> dict[str, object]:
    """The history item of ``version`` and the newest version; NotFound when unknown."""
    items = engine().definitions.history(key)
    item = next((i for i in items if i["version"] == version), None)
    if item is None:
        raise NotFound("no such version")
    return {"item": item, "latest": items[0], "name": items[0]["name"] or key}


@bp.get("/editor/<key>/versions/<int:version>/rollback")
@page_login_required
def editor_rollback_confirm(key: str, version: int) -> ResponseReturnValue:
    """Ask before deploying an old version's content again."""
    _owner()
    if _int(version) is None:
        raise NotFound("no such version")
    return render_template("editor/rollback.html", key=key, **_restorable(key, version))


@bp.post("/editor/<key>/versions/<int:version>/rollback")
@page_login_required
def editor_rollback(key: str, version: int) -> ResponseReturnValue:
    """Deploy version ``version``'s content as the newest version of ``key``."""
    actor = _owner()
    if _int(version) is None:
        raise NotFound("no such version")
    _restorable(key, version)
    try:
        result = engine().definitions.rollback(key, version, actor=actor.username)
    except Conflict:
        flash(_("Version %(v)s was not restored: the newest version already has its content.",
                v=version), "error")
    except DeployError as err:
        flash(_("Version %(v)s was not restored: its content no longer passes the deploy "
                "check. Nothing was deployed.", v=version) + " " + "; ".join(
            p["message"] for p in problem_dicts(err.problems)), "error")
    else:
        new = next(v for v in result.new_versions if v.key == key)
        flash(_("The content of version %(old)s was deployed as the new version %(new)s.",
                old=version, new=new.version), "success")
    return redirect(url_for("pages.editor_history", key=key))
