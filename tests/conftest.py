"""Test configuration: hypothesis profiles (CI is fixed and derandomized; dev runs more), and
the course checkpoint fixtures (``course_checkpoint``; see ``_support.py``)."""

import os

import pytest
from _support import COURSE, COURSE_CHECKPOINT_KINDS, CourseCheckpoint, write_course_stand_in
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def course_stand_in(tmp_path_factory: pytest.TempPathFactory) -> CourseCheckpoint:
    """A checkpoint like the course's tudui_29_gpu.pth, made once per run (a subprocess)."""
    return write_course_stand_in(tmp_path_factory.mktemp("course-stand-in"))


@pytest.fixture(params=COURSE_CHECKPOINT_KINDS)
def course_checkpoint(request: pytest.FixtureRequest) -> CourseCheckpoint:
    """Each whole-model checkpoint of the course's kind: the course's own file where this disk
    has it, and always the stand-in, so that the tests using it run on a fresh clone too."""
    if request.param == "course":
        return COURSE
    return request.getfixturevalue("course_stand_in")
