"""``/api/v1/supervisor``: who may ask, team scoping, the overdue list and the summary."""

from __future__ import annotations

from datetime import UTC, datetime

from engine import Staffel
from tests.web.conftest import Api, assert_error, start_basic, start_jc

OVERDUE_AT = datetime(2027, 3, 9, 12, tzinfo=UTC)  # basic (due 4 March) and jc (due 8 March)


def setup_overdue(engine: Staffel) -> dict[str, str]:
    soz1, soz2, job = start_basic(engine), start_basic(engine, "8000000-002"), start_jc(engine)
    engine.clock.advance(to=OVERDUE_AT)
    return {"soz1": soz1.open_tasks[0].id, "soz2": soz2.open_tasks[0].id,
            "jc": job.open_tasks[0].id}


def test_only_supervisors_and_admins_get_the_numbers(api: Api, api_engine: Staffel) -> None:
    for path in ("/api/v1/supervisor/summary", "/api/v1/supervisor/overdue"):
        assert_error(api.get(path, as_=None), 401)
        for user in ("cw_soz", "cw_multi", "owner"):
            assert_error(api.get(path, as_=user), 403, "forbidden")
        for user in ("sup_soz", "admin"):
            assert api.get(path, as_=user).status_code == 200


def test_a_supervisor_sees_only_his_teams(api: Api, api_engine: Staffel) -> None:
    ids = setup_overdue(api_engine)
    soz = api.get("/api/v1/supervisor/summary", as_="sup_soz").get_json()
    assert soz["teams"] == ["sozialamt", "supervisor"]
    assert soz["overdue_total"] == 2
    assert [(g["key"], g["counts"], g["total"]) for g in soz["by_team"]] == [
        ("sozialamt", {"1-2": 0, "3-5": 2, "6-10": 0, ">10": 0}, 2)]  # Thu 4 → Tue 9: 3 days
    assert [c["element_id"] for c in soz["heatmap"]] == ["Task_register"]
    jc = api.get("/api/v1/supervisor/summary", as_="sup_jc").get_json()
    assert jc["overdue_total"] == 1 and jc["by_team"][0]["counts"]["1-2"] == 1
    everything = api.get("/api/v1/supervisor/summary", as_="admin").get_json()
    assert everything["teams"] is None and everything["overdue_total"] == 3
    assert everything["buckets"] == {"1-2": 1, "3-5": 2, "6-10": 0, ">10": 0}
    assert len(everything["trend"]) == 12 and len(everything["weeks"]) == 12
    assert everything["trend"][-1] == {"week_start": "2027-03-08",
                                       "at": "2027-03-09T12:00:00+00:00", "overdue": 3}
    assert everything["stages"] == [{"stage": "S1", "count": 2}, {"stage": "S3e", "count": 1}]
    only = api.get("/api/v1/supervisor/overdue?team=sozialamt", as_="sup_soz").get_json()
    assert sorted(i["task_id"] for i in only["items"]) == sorted([ids["soz1"], ids["soz2"]])
    assert_error(api.get("/api/v1/supervisor/summary?team=jc_leistung", as_="sup_soz"), 403)
    assert_error(api.get("/api/v1/supervisor/overdue?team=jc_leistung", as_="sup_soz"), 403)
    assert_error(api.get("/api/v1/supervisor/overdue?team=nope", as_="sup_soz"), 422,
                 fields={"team"})


def test_the_overdue_list_filters_and_pages(api: Api, api_engine: Staffel) -> None:
    ids = setup_overdue(api_engine)
    body = api.get("/api/v1/supervisor/overdue", as_="admin").get_json()
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 50)
    first = body["items"][0]
    assert set(first) == {"task_id", "case_id", "case_number", "land", "process_key",
                          "element_id", "title", "team", "assignee", "due_at", "due_on",
                          "days_overdue", "bucket"}
    assert [(i["team"], i["days_overdue"], i["bucket"]) for i in body["items"]] == [
        ("sozialamt", 3, "3-5"), ("sozialamt", 3, "3-5"), ("jc_leistung", 1, "1-2")]
    assert first["due_on"] == "2027-03-04" and first["due_at"] == "2027-03-04T23:00:00+00:00"
    late = api.get("/api/v1/supervisor/overdue?min_days=2", as_="admin").get_json()
    assert late["total"] == 2
    by_task = api.get("/api/v1/supervisor/overdue?task=Task_ack", as_="admin").get_json()
    assert [i["task_id"] for i in by_task["items"]] == [ids["jc"]]
    by_bucket = api.get("/api/v1/supervisor/overdue?bucket=1-2", as_="admin").get_json()
    assert [i["task_id"] for i in by_bucket["items"]] == [ids["jc"]]
    paged = api.get("/api/v1/supervisor/overdue?per_page=2&page=2", as_="admin").get_json()
    assert (paged["total"], len(paged["items"])) == (3, 1)
    assert_error(api.get("/api/v1/supervisor/overdue?min_days=0", as_="admin"), 422,
                 fields={"min_days"})
    assert_error(api.get("/api/v1/supervisor/overdue?bucket=2-3", as_="admin"), 422)


def test_the_endpoints_are_in_the_openapi_spec(api: Api) -> None:
    spec = api.get("/api/openapi.json", as_=None).get_json()
    assert {"/api/v1/supervisor/overdue", "/api/v1/supervisor/summary"} <= set(spec["paths"])
    params = {p["name"] for p in spec["paths"]["/api/v1/supervisor/overdue"]["get"]["parameters"]}
    assert {"team", "min_days", "page", "per_page"} <= params
