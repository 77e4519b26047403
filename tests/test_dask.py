"""Builds on a real Dask cluster (distributed.LocalCluster: processes, 2 workers) give the
very bytes of a build on this machine's forked workers, survive a worker killed mid-build,
and fail within seconds, touching nothing, when the scheduler cannot be reached."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import cloudpickle
import distributed
import pytest
from conftest import NOW, REPO

from generator.build import BuildRequest, build
from generator.errors import BuildError
from generator.outputs import KINDS
from generator.outputs.base import Facet, Output, OutputKind, Planner, Rendering
from generator.workers import cluster_client

sys.path.insert(0, str(REPO / "bench"))
import corpus  # noqa: E402

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers do not import tests/


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as running:
        yield running


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def both_ways(site: Path, tmp_path: Path, scheduler: str, **options) -> tuple[dict, dict]:
    local = build(BuildRequest(site_dir=site, output=tmp_path / "local", now=NOW, use_cache=False, **options))
    dask = build(
        BuildRequest(
            site_dir=site, output=tmp_path / "dask", now=NOW, use_cache=False, scheduler=scheduler, **options
        )
    )
    assert dask.write.rendered == local.write.rendered > 0
    return tree(tmp_path / "local"), tree(tmp_path / "dask")


def test_the_demo_built_on_a_cluster_is_byte_identical(cluster, tmp_path):
    local, dask = both_ways(REPO, tmp_path, cluster.scheduler_address)
    assert dask == local and len(local) > 300


def test_a_thousand_stories_built_on_a_cluster_are_byte_identical(cluster, tmp_path):
    site = corpus.write_corpus(1000, tmp_path / "corpus", tools=("newsgen",)) / "newsgen"
    local, dask = both_ways(site, tmp_path, cluster.scheduler_address)
    assert dask == local and len(local) > 1000


class Fragile(OutputKind):
    """One file whose first rendering kills the worker process rendering it."""

    name = "fragile"
    shows = frozenset({Facet.NAVIGATION})

    def __init__(self, marker: Path):
        self.marker = marker

    def plan(self, planner: Planner):
        yield planner.output(self, "fragile.txt", ())

    def render(self, output: Output, rendering: Rendering) -> bytes:
        if not self.marker.exists():
            self.marker.write_text("died once")
            os._exit(1)  # the worker dies mid-build, as one killed for its memory would
        return b"made on the second try\n"


def test_a_worker_killed_mid_build_is_replaced_and_the_output_is_the_same(cluster, tmp_path):
    marker = tmp_path / "died"
    marker.write_text("the local build must not die")
    kinds = KINDS.adding(Fragile(marker))
    local = build(
        BuildRequest(site_dir=REPO, output=tmp_path / "local", now=NOW, use_cache=False, kinds=kinds)
    )
    marker.unlink()
    dask = build(
        BuildRequest(
            site_dir=REPO,
            output=tmp_path / "dask",
            now=NOW,
            use_cache=False,
            kinds=kinds,
            scheduler=cluster.scheduler_address,
        )
    )
    assert marker.read_text() == "died once"  # a worker did die
    assert dask.write.rendered == local.write.rendered
    assert tree(tmp_path / "dask") == tree(tmp_path / "local")
    assert (tmp_path / "dask/fragile.txt").read_bytes() == b"made on the second try\n"


def test_an_unreachable_scheduler_fails_within_seconds_and_touches_nothing(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    build(BuildRequest(site_dir=site, now=NOW))
    before = tree(site / "output")
    (site / "content/articles/2026/caspian-shipping-route-talks.md").write_text(
        (site / "content/articles/2026/caspian-shipping-route-talks.md").read_text() + "\nMore.\n"
    )
    started = time.monotonic()
    with pytest.raises(BuildError) as exc:
        build(BuildRequest(site_dir=site, now=NOW, scheduler="tcp://127.0.0.1:9"))
    assert time.monotonic() - started < 15
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in str(exc.value)
    assert tree(site / "output") == before


def test_workers_that_cannot_see_the_site_are_a_clear_error(cluster, tmp_path):
    with pytest.raises(BuildError) as exc:
        cluster_client(cluster.scheduler_address, [str(tmp_path), str(tmp_path / "not-on-the-workers")])
    assert "does not see" in str(exc.value) and "not-on-the-workers" in str(exc.value)
