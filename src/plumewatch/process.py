"""Process a survey: ingest -> detect -> plumes for each flight line, then sites.

Flight lines are independent until association, so they run in parallel (a
local process pool, or a dask.distributed cluster when a scheduler address is
given); association into the catalog then runs in one process, in time order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import dask

from plumewatch.detect.outputs import write_retrieval_products
from plumewatch.detect.run import detect_scene
from plumewatch.errors import InputFileError
from plumewatch.geo.footprint import footprint_polygon
from plumewatch.io.envi import open_envi
from plumewatch.io.survey import FlightLine, Survey
from plumewatch.plumes.plume import Overflight
from plumewatch.plumes.segment import segment_plumes
from plumewatch.sites.catalog import Alert, Catalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineJob:
    """Everything one worker needs to process one flight line."""

    line: FlightLine
    gases: tuple[str, ...]
    products_dir: Path
    sensor: str


def process_flight_line(job: LineJob) -> Overflight:
    """Detect the gases in one flight line, write its products and return its Overflight with plumes."""
    # Lines already run in parallel processes; threads inside each would only contend for the cores.
    with dask.config.set(scheduler="synchronous"):
        scene = open_envi(job.line.radiance)
        if scene.lon_deg is None or scene.lat_deg is None:
            raise InputFileError(job.line.radiance, "no per-pixel geolocation (no _loc companion file)")
        retrievals = detect_scene(scene, list(job.gases))
    pixel_size_m = scene.pixel_size_m or 5.0
    plumes = []
    for retrieval in retrievals.values():
        write_retrieval_products(job.products_dir, scene, retrieval)
        plumes += segment_plumes(
            retrieval,
            scene.lon_deg,
            scene.lat_deg,
            pixel_size_m=pixel_size_m,
            acquired=job.line.acquired,
            wind_speed_m_s=job.line.wind_speed_m_s,
            wind_from_deg=job.line.wind_from_deg,
        )
    return Overflight(
        scene_name=scene.name,
        acquired=job.line.acquired,
        footprint=footprint_polygon(scene.lon_deg, scene.lat_deg),
        gases=tuple(retrievals),
        plumes=plumes,
    )


def process_survey(
    survey: Survey,
    gases: list[str],
    catalog: Catalog,
    products_dir: Path,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Overflight], list[Alert]]:
    """Run every flight line and ingest the overflights into the catalog in time order."""
    jobs = [LineJob(line, tuple(gases), Path(products_dir), survey.sensor) for line in survey.flight_lines]
    overflights = _run_jobs(jobs, workers=workers, scheduler=scheduler, progress=progress)
    alerts: list[Alert] = []
    for overflight in sorted(overflights, key=lambda o: o.acquired):
        alerts += catalog.ingest(overflight)
    return overflights, alerts


def _run_jobs(jobs, *, workers, scheduler, progress) -> list[Overflight]:
    say = progress or (lambda _msg: None)
    if scheduler:
        from dask.distributed import Client

        with Client(scheduler) as client:
            futures = client.map(process_flight_line, jobs, pure=False)
            results = client.gather(futures)
        say(f"processed {len(results)} flight lines on {scheduler}")
        return list(results)
    if workers <= 1 or len(jobs) == 1:
        results = []
        for i, job in enumerate(jobs, 1):
            results.append(process_flight_line(job))
            say(f"  [{i}/{len(jobs)}] {job.line.name}: {len(results[-1].plumes)} plumes")
        return results
    results = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for i, overflight in enumerate(pool.map(process_flight_line, jobs), 1):
            results.append(overflight)
            say(f"  [{i}/{len(jobs)}] {overflight.scene_name}: {len(overflight.plumes)} plumes")
    return results
