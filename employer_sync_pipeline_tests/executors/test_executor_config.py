"""The executor a run chooses is checked against that executor's own config before anything runs."""

from ..support.cli_jobs import job_processes, prepare_instance
from ..support.runs import identities, sync_logs


def _run(execution: dict, env: dict[str, str], tmp_path, home) -> str:
    prepare_instance(home)
    with job_processes(tmp_path) as start:
        process = start("employer_sync_job", {"execution": {"config": execution}}, env, "run")
        assert process.wait() != 0
        return process.output()


def test_celery_config_is_dagster_celerys_own(sync_env, jodgig, platform_db, tmp_path, isolated_environment):
    jodgig.user("HQ_MANAGER", jodgig.company())
    output = _run({"celery": {"broker": "pyamqp://guest@127.0.0.1//", "workers": 3}}, sync_env, tmp_path,
                  isolated_environment)
    assert "execution: config: celery: invalid config" in output and "workers" in output, output[-3000:]
    assert identities(platform_db.engine) == {} and sync_logs(platform_db.engine) == []


def test_kubernetes_without_dagster_k8s_says_what_to_install(sync_env, jodgig, platform_db, tmp_path,
                                                             isolated_environment):
    jodgig.user("HQ_MANAGER", jodgig.company())
    output = _run({"k8s": {}}, sync_env, tmp_path, isolated_environment)
    assert "needs the package dagster_k8s" in output and "employer_sync_pipeline[k8s]" in output, output[-3000:]
    assert identities(platform_db.engine) == {} and sync_logs(platform_db.engine) == []
