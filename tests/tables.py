"""Default rows shared by the metric tests: a person who falls in no category.

Each test overrides only the columns its case is about, so the answer worked out in the
test depends on nothing hidden here.
"""

ADMITTED_APPLICATION = {
    "path_id": "p1",
    "started_at": "2021-10-01",
    "submitted_at": "2021-10-05",
    "decision": "admitted",
    "decided_at": "2021-11-01",
    "country": "FR",
    "gender": "male",
    "employment_status": "employed",
    "education_level": "bac_plus_5_or_more",
    "priority_area": "none",
    "migration_status": "none",
    "disability": "no",
}
