"""Make the simulator figures and numbers of docs/physics.md ("Plume dispersion", "The survey simulator").

    .venv/bin/python docs/figures/make_simulation_figures.py

Writes docs/figures/simulation_{dispersion,spectra,plume}.png and prints every number quoted there.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.ndimage import map_coordinates  # noqa: E402

from plumewatch.detect.run import detect_scene  # noqa: E402
from plumewatch.io.envi import open_envi  # noqa: E402
from plumewatch.io.geotiff import read_retrieval_geotiff  # noqa: E402
from plumewatch.io.survey import read_survey  # noqa: E402
from plumewatch.simulate.dispersion import Grid, release_puffs, render_gaussian_plume, render_puffs  # noqa: E402
from plumewatch.simulate.ground import Ground, ground_reflectance  # noqa: E402
from plumewatch.simulate.library import jasper_ridge_texture, lab_reflectance, pasadena_pixels  # noqa: E402
from plumewatch.simulate.radiance import add_noise, build_radiance_model, line_radiance  # noqa: E402
from plumewatch.simulate.survey import simulate_survey  # noqa: E402
from plumewatch.simulate.truth import read_truth  # noqa: E402
from plumewatch.spectra import get_sensor, unit_absorption  # noqa: E402

OUT = Path(__file__).parent
Q_KG_H, WIND_M_S, WIND_FROM_DEG = 400.0, 3.0, 250.0
PUFF_DURATION_S = 300.0
# The Pasadena lines' geometry (solar zenith 52.2 deg, nadir) and the water column that fits them best,
# as found for the forward-model comparison in docs/physics.md.
PASADENA_SZA_DEG, PASADENA_WATER_CM = 52.2, 1.75


def transect_flux_kg_s(field: np.ndarray, grid: Grid, distance_m: float) -> float:
    """Column integrated across the mean wind at ``distance_m`` downwind, times the mean wind speed."""
    to = np.deg2rad(WIND_FROM_DEG + 180.0)
    s = np.arange(-900.0, 900.0, 0.5)
    x = distance_m * np.sin(to) + s * np.cos(to)
    y = distance_m * np.cos(to) - s * np.sin(to)
    rows, cols = grid.fractional_index(x, y)
    return float(map_coordinates(field, [rows, cols], order=1, mode="constant").sum() * 0.5 * WIND_M_S)


def dispersion_figure() -> None:
    """Write simulation_dispersion.png: Gaussian plume vs puffs, and print their transect fluxes / Q."""
    grid = Grid.centred(1000.0, 5.0)
    steady = render_gaussian_plume(
        grid, emission_kg_h=Q_KG_H, wind_speed_m_s=WIND_M_S, wind_from_deg=WIND_FROM_DEG, stability="C"
    )
    puffs = render_puffs(
        release_puffs(
            Q_KG_H,
            WIND_M_S,
            WIND_FROM_DEG,
            duration_s=PUFF_DURATION_S,
            rng=np.random.default_rng(4),
            stability="C",
        ),
        grid,
    )
    distances = np.arange(25.0, WIND_M_S * PUFF_DURATION_S, 25.0)
    q = Q_KG_H / 3600.0
    steady_flux = np.array([transect_flux_kg_s(steady, grid, d) for d in distances]) / q
    puff_flux = np.array([transect_flux_kg_s(puffs, grid, d) for d in distances]) / q
    print(f"Gaussian plume: flux / Q over 25-875 m: {steady_flux.min():.4f} - {steady_flux.max():.4f}")
    print(
        f"puffs (class C, one realisation): flux / Q mean {puff_flux.mean():.3f}, "
        f"range {puff_flux.min():.2f} - {puff_flux.max():.2f}"
    )
    print(
        f"puffs: mass on grid {puffs.sum() * grid.cell_area_m2:.3f} kg, released {q * PUFF_DURATION_S:.3f} kg"
    )
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    extent = [
        grid.x0_m,
        grid.x0_m + grid.nx * grid.spacing_m,
        grid.y0_m,
        grid.y0_m + grid.ny * grid.spacing_m,
    ]
    for ax, field, title in (
        (axes[0], steady, "steady Gaussian plume"),
        (axes[1], puffs, f"meandering puffs after {PUFF_DURATION_S:.0f} s"),
    ):
        image = ax.imshow(
            field * 1e3, origin="lower", extent=extent, vmax=np.percentile(field[field > 0], 99) * 1e3
        )
        ax.set(title=title, xlabel="east (m)", ylabel="north (m)")
        fig.colorbar(image, ax=ax, label="column (g m$^{-2}$)")
    axes[2].plot(distances, steady_flux, label="Gaussian plume")
    axes[2].plot(distances, puff_flux, label="puffs (instantaneous)")
    axes[2].axhline(1.0, color="k", lw=0.5)
    axes[2].set(
        xlabel="distance downwind (m)",
        ylabel="flux across transect / Q",
        ylim=(0, 2),
        title=f"mass conservation ({Q_KG_H:.0f} kg/h, {WIND_M_S} m/s, class C)",
    )
    axes[2].legend()
    fig.tight_layout()
    fig.savefig(OUT / "simulation_dispersion.png", dpi=90)


def spectra_figure() -> None:
    """Write simulation_spectra.png: simulated AVIRIS-NG radiance against the real Pasadena pixels."""
    sensor = get_sensor("avirisng")
    wl = sensor.wavelength_nm
    real_nm, real = pasadena_pixels()
    model = build_radiance_model(
        "avirisng",
        solar_zenith_deg=PASADENA_SZA_DEG,
        view_zenith_deg=0.0,
        gases=["ch4"],
        sensor_altitude_m=4000.0,
        water_vapour_cm=PASADENA_WATER_CM,
    )
    rng = np.random.default_rng(0)
    texture = jasper_ridge_texture(wl)
    ground = Ground(texture_cell_m=10.0, texture_angle_deg=30.0, texture_offset_px=(20.0, 40.0))
    east, north = rng.uniform(-400, 400, (1, 6)), rng.uniform(-400, 400, (1, 6))
    background = ground_reflectance(ground, texture, {}, east, north, 5.0)[0]
    surfaces = {m: lab_reflectance(m, wl) for m in ("concrete", "black_paint", "aluminium", "loamy_sand")}
    reflectance = np.vstack([background, *surfaces.values()])[None]
    simulated = add_noise("avirisng", line_radiance(model, reflectance, {}), rng)[0]
    plume = add_noise(
        "avirisng", line_radiance(model, reflectance[:, -1:], {"ch4": np.array([[3000.0]])}), rng
    )[0, 0]
    labels = [f"texture {i + 1}" for i in range(len(background))] + list(surfaces)
    at = np.argmin(np.abs(wl - 2200.0))
    print(
        "radiance at 2200 nm, real Pasadena pixels: "
        f"{min(v[at] for v in real.values()):.2f} - {max(v[at] for v in real.values()):.2f} uW nm-1 cm-2 sr-1"
    )
    print(
        f"radiance at 2200 nm, simulated at the same geometry: {simulated[:, at].min():.2f} - "
        f"{simulated[:, at].max():.2f}"
    )
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), sharey=False)
    for name, values in real.items():
        axes[0].plot(real_nm, values, lw=0.8, label=name)
    for label, values in zip(labels, simulated, strict=True):
        axes[1].plot(wl, values, lw=0.8, label=label)
    for ax, title in (
        (axes[0], "real AVIRIS-NG, Pasadena (ang20171108)"),
        (axes[1], "simulated, same sun (52.2 deg) and water (1.75 cm)"),
    ):
        ax.set(
            xlabel="wavelength (nm)",
            ylabel="radiance (uW nm$^{-1}$ cm$^{-2}$ sr$^{-1}$)",
            title=title,
            ylim=(0, 20),
        )
        ax.legend(fontsize=6, ncol=2)
    window = (wl > 2000) & (wl < 2500)
    axes[2].plot(wl[window], simulated[-1, window], label="loamy sand")
    axes[2].plot(wl[window], plume[window], label="same + 3000 ppm·m CH4")
    for name in ("brightlot", "horse"):
        keep = (real_nm > 2000) & (real_nm < 2500)
        axes[2].plot(real_nm[keep], real[name][keep], "--", lw=0.8, label=f"real: {name}")
    axes[2].set(xlabel="wavelength (nm)", title="2.0-2.5 um: plume absorption", ylabel="radiance")
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(OUT / "simulation_spectra.png", dpi=90)


def consistency_slopes(scene, cube: np.ndarray, truth_column: np.ndarray, gas: str) -> dict[str, float]:
    """Slope of retrieved vs true column in plume pixels, per-column albedo-corrected matched filter.

    Fitted on plume-free pixels, with the forward model's own (background-aware) target and with the
    linear unit absorption.
    """
    window = {"ch4": (2122.0, 2488.0), "co2": (1955.0, 2100.0)}[gas]
    model = build_radiance_model(
        "avirisng",
        solar_zenith_deg=scene.solar_zenith_deg,
        view_zenith_deg=scene.view_zenith_deg,
        gases=[gas],
        sensor_altitude_m=5000.0,
    )
    step = {"ch4": 200.0, "co2": 5000.0}[gas]
    targets = {
        "forward-model": -np.log(model.transmittance_at(gas, np.array([step]))[0]) / step,
        "linear unit-absorption": unit_absorption(gas, scene.wavelength_nm, scene.fwhm_nm)
        * scene.air_mass_factor(),
    }
    plume = truth_column > {"ch4": 300.0, "co2": 2e4}[gas]
    slopes = {}
    for name, depth in targets.items():
        bands = (scene.wavelength_nm >= window[0]) & (scene.wavelength_nm <= window[1]) & np.isfinite(depth)
        bands &= depth > 0
        x = cube[..., bands].astype(float)
        retrieved = np.zeros(truth_column.shape)
        for c in range(x.shape[1]):
            clean = truth_column[:, c] < 1.0
            mean, cov = x[clean, c].mean(axis=0), np.cov(x[clean, c].T)
            target = -mean * depth[bands]
            weights = np.linalg.solve(cov, target)
            # The target scales with the pixel's own brightness (mag1c's albedo factor): the source pads are
            # brighter than the column mean.
            albedo = x[:, c] @ mean / (mean @ mean)
            retrieved[:, c] = (x[:, c] - mean) @ weights / (target @ weights) / albedo
        slopes[name] = float(np.polyfit(truth_column[plume], retrieved[plume], 1)[0])
    return slopes


def plume_figure() -> None:
    """Write simulation_plume.png: simulated radiance, true and retrieved CH4; print their agreement."""
    with tempfile.TemporaryDirectory() as tmp:
        manifest = simulate_survey(Path(tmp) / "survey", seed=7, n_passes=2, lines=240, samples=150)
        survey = read_survey(manifest)
        truth = read_truth(survey.root)
        line, truth_pass = survey.flight_lines[0], truth["passes"][0]
        scene = open_envi(line.radiance)
        cube = scene.radiance.compute()
        column, _, _ = read_retrieval_geotiff(survey.root / truth_pass.enhancement_maps["ch4"])
        retrieved = detect_scene(scene, ["ch4"])["ch4"]
        for gas in ("ch4", "co2"):
            truth_column, _, _ = read_retrieval_geotiff(survey.root / truth_pass.enhancement_maps[gas])
            print(
                f"{gas}: retrieved / true column in plume pixels, ideal matched filter: "
                + ", ".join(
                    f"{target} target {slope:.2f}"
                    for target, slope in consistency_slopes(scene, cube, truth_column, gas).items()
                )
            )
    rgb = np.stack([cube[..., np.argmin(np.abs(scene.wavelength_nm - w))] for w in (640, 550, 470)], axis=-1)
    rgb = np.clip(rgb / np.percentile(rgb, 99.5, axis=(0, 1)), 0, 1) ** 0.7
    print(
        f"plume figure: {line.name}, wind {truth_pass.wind_speed_m_s} m/s "
        f"from {truth_pass.wind_from_deg} deg, "
        f"CH4 rates {[s.emission_kg_h[0] for s in truth['sites'] if s.gas == 'ch4']} kg/h, "
        f"retrieval sigma {np.nanmedian(retrieved.uncertainty_ppmm):.0f} ppm·m"
    )
    fig, axes = plt.subplots(1, 3, figsize=(13, 6.5))
    axes[0].imshow(rgb)
    axes[0].set_title("simulated radiance (640/550/470 nm)")
    image = axes[1].imshow(column, vmin=0, vmax=1500)
    axes[1].set_title("true CH4 column enhancement")
    fig.colorbar(image, ax=axes[1], label="ppm·m", shrink=0.7)
    image = axes[2].imshow(retrieved.enhancement_ppmm, vmin=-300, vmax=1500)
    axes[2].set_title("retrieved (plumewatch detect, matched filter)")
    fig.colorbar(image, ax=axes[2], label="ppm·m", shrink=0.7)
    for ax in axes:
        ax.set(xlabel="sample", ylabel="line")
    fig.tight_layout()
    fig.savefig(OUT / "simulation_plume.png", dpi=90)


if __name__ == "__main__":
    dispersion_figure()
    spectra_figure()
    plume_figure()
