"""Process a survey: ingest -> detect -> plumes for each flight line, then sites.

Flight lines are independent until association, so they run in parallel (a local process
pool, or a dask.distributed cluster when a scheduler address is given); association into
the catalog then runs in this process, one transaction per overflight, in time order (ties
broken by scene name). A line whose wind is unknown still gives plumes, with the emission
rate left empty and the reason in ``Plume.emission_note``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import dask
import numpy as np
from scipy import ndimage

from plumewatch.detect.outputs import write_orthorectified_products, write_retrieval_products
from plumewatch.detect.retrieval import Retrieval
from plumewatch.detect.run import detect_scene
from plumewatch.errors import InputFileError
from plumewatch.geo.footprint import footprint_polygon
from plumewatch.io.scene_readers import open_scene
from plumewatch.io.survey import FlightLine, Survey
from plumewatch.plumes.cogas import link_co_gases
from plumewatch.plumes.plume import Overflight
from plumewatch.plumes.segment import segment_plumes
from plumewatch.plumes.wind import line_wind
from plumewatch.scene import Scene
from plumewatch.sites.catalog import Catalog
from plumewatch.sites.records import Alert

log = logging.getLogger(__name__)

DEFAULT_PIXEL_SIZE_M = 5.0
# A header time this far from the manifest's means the two describe different flights.
MAX_TIME_DISAGREEMENT = timedelta(minutes=30)


@dataclass(frozen=True)
class LineJob:
    """Everything one worker needs to process one flight line."""

    line: FlightLine
    gases: tuple[str, ...]
    products_dir: Path
    sensor: str
    orthorectify: bool = True


def process_flight_line(job: LineJob) -> Overflight:
    """Detect the gases in one flight line, write its products and return its Overflight with plumes."""
    # Lines already run in parallel processes; threads inside each would only contend for the cores.
    with dask.config.set(scheduler="synchronous"):
        scene = open_scene(job.line.radiance)
        if scene.lon_deg is None or scene.lat_deg is None:
            scene = _georeference_from_telemetry(job, scene)
        _check_time(job.line, scene.acquired)
        retrievals = detect_scene(scene, list(job.gases))
    pixel_size_m = scene.pixel_size_m or DEFAULT_PIXEL_SIZE_M
    wind = line_wind(job.line)
    if wind.speed_m_s is None:
        log.warning("%s: %s; plumes get no emission rate", job.line.name, wind.source)
    job.products_dir.mkdir(parents=True, exist_ok=True)
    plumes = []
    for retrieval in retrievals.values():
        write_retrieval_products(job.products_dir, scene, retrieval)
        if job.orthorectify:
            write_orthorectified_products(job.products_dir, scene, retrieval, acquired=job.line.acquired)
        plumes += segment_plumes(
            _located_only(retrieval, scene),
            scene.lon_deg,
            scene.lat_deg,
            pixel_size_m=pixel_size_m,
            acquired=job.line.acquired,
            wind_speed_m_s=wind.speed_m_s,
            wind_from_deg=wind.from_deg,
            wind_speed_sigma_m_s=wind.speed_sigma_m_s,
            site_winds=job.line.site_winds,
            geolocation_sigma_m=scene.attrs.get("geolocation_sigma_m"),
        )
    link_co_gases(plumes)
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
    orthorectify: bool = True,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Overflight], list[Alert]]:
    """Run every line, ingest the overflights in time order; returns the overflights and the alerts raised.

    Each line's products go to ``products_dir``: the line x sample GeoTIFF and JSON per gas and,
    with ``orthorectify``, a UTM Cloud-Optimized GeoTIFF with its STAC item.
    """
    jobs = [
        LineJob(line, tuple(gases), Path(products_dir), survey.sensor, orthorectify)
        for line in survey.flight_lines
    ]
    overflights = run_jobs(jobs, workers=workers, scheduler=scheduler, progress=progress)
    ordered = sorted(overflights, key=lambda o: (o.acquired, o.scene_name))
    warn_simultaneous_overlaps(ordered)
    alerts: list[Alert] = []
    for overflight in ordered:
        alerts += catalog.ingest(overflight)
    return overflights, alerts


def run_jobs(
    jobs: Sequence[LineJob],
    *,
    workers: int = 2,
    scheduler: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Overflight]:
    """Overflights of every job, run on a dask.distributed scheduler, a process pool, or in this process."""
    say = progress or (lambda _msg: None)
    if scheduler:
        from dask.distributed import Client

        with Client(scheduler) as client:
            futures = client.map(process_flight_line, list(jobs), pure=False)
            results = client.gather(futures)
        say(f"processed {len(results)} flight lines on {scheduler}")
        return list(results)
    results = []
    if workers <= 1 or len(jobs) == 1:
        for i, job in enumerate(jobs, 1):
            results.append(process_flight_line(job))
            say(f"  [{i}/{len(jobs)}] {job.line.name}: {len(results[-1].plumes)} plumes")
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for i, overflight in enumerate(pool.map(process_flight_line, jobs), 1):
            results.append(overflight)
            say(f"  [{i}/{len(jobs)}] {overflight.scene_name}: {len(overflight.plumes)} plumes")
    return results


def warn_simultaneous_overlaps(overflights: Sequence[Overflight]) -> None:
    """Log overlapping lines flown at the same time: their order in the catalog is then by name only."""
    for i, first in enumerate(overflights):
        for second in overflights[i + 1 :]:
            if second.acquired != first.acquired:
                break
            if first.footprint.intersects(second.footprint):
                log.warning(
                    "%s and %s overlap and share acquisition time %s; ingested in name order",
                    first.scene_name,
                    second.scene_name,
                    first.acquired.isoformat(),
                )


def _georeference_from_telemetry(job: LineJob, scene: Scene) -> Scene:
    """The scene with positions projected in memory from the line's telemetry, as `plumewatch georef` does."""
    from plumewatch.geo.georef import georeference_scene

    if job.line.telemetry is None:
        raise InputFileError(
            job.line.radiance,
            "no per-pixel geolocation (no _loc, _igm or _glt file, and survey.json lists no telemetry)",
        )
    return georeference_scene(scene, job.line.telemetry, sensor=job.sensor)


def _located_only(retrieval: Retrieval, scene: Scene) -> Retrieval:
    """The retrieval masked where pixels or their neighbours have no ground position (telemetry gaps)."""
    located = np.isfinite(scene.lon_deg) & np.isfinite(scene.lat_deg)
    if located.all():
        return retrieval
    # Plume outlines run along pixel edges, placed from the neighbouring pixels' positions too.
    keep = retrieval.valid & ndimage.binary_erosion(located, np.ones((3, 3), bool), border_value=1)
    return replace(
        retrieval,
        valid=keep,
        enhancement_ppmm=np.where(keep, retrieval.enhancement_ppmm, np.nan),
        uncertainty_ppmm=np.where(keep, retrieval.uncertainty_ppmm, np.nan),
    )


def _check_time(line: FlightLine, header_time: datetime | None) -> None:
    if header_time is None:
        return
    if abs(header_time - line.acquired) > MAX_TIME_DISAGREEMENT:
        raise InputFileError(
            line.radiance,
            f"acquired {header_time.isoformat()} per its header "
            f"but {line.acquired.isoformat()} per survey.json",
        )
