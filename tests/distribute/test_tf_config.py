import json

import pytest

from keras_ar.distribute import make_tf_config
from keras_ar.distribute import read_tf_config

ADDRESSES = ["127.0.0.1:2222", "127.0.0.1:2223"]


def test_make_and_read_round_trip():
    for index in (0, 1):
        config = make_tf_config(ADDRESSES, index)
        assert json.loads(config)["cluster"]["worker"] == ADDRESSES
        assert read_tf_config({"TF_CONFIG": config}) == (2, index)


def test_a_chief_is_rank_0_and_workers_follow_it():
    cluster = {"chief": ["h:1"], "worker": ["h:2", "h:3"]}

    def config(task, index):
        return {
            "TF_CONFIG": json.dumps(
                {"cluster": cluster, "task": {"type": task, "index": index}}
            )
        }

    assert read_tf_config(config("chief", 0)) == (3, 0)
    assert read_tf_config(config("worker", 0)) == (3, 1)
    assert read_tf_config(config("worker", 1)) == (3, 2)


@pytest.mark.parametrize(
    "environ, match",
    [
        ({}, "Received: TF_CONFIG unset"),
        ({"TF_CONFIG": "{not json"}, "must be JSON"),
        ({"TF_CONFIG": '{"cluster": {}}'}, "must be JSON"),
        (
            {"TF_CONFIG": make_tf_config(ADDRESSES, 1).replace("1}", "5}")},
            "must name one of",
        ),
        (
            {
                "TF_CONFIG": json.dumps(
                    {
                        "cluster": {"worker": ADDRESSES},
                        "task": {"type": "ps", "index": 0},
                    }
                )
            },
            "chief or workers",
        ),
    ],
)
def test_bad_tf_config_is_a_clear_error(environ, match):
    with pytest.raises(ValueError, match=match):
        read_tf_config(environ)


def test_make_tf_config_checks_the_index():
    with pytest.raises(ValueError, match=r"index=2"):
        make_tf_config(ADDRESSES, 2)
