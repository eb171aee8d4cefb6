"""Make the figures and numbers of docs/physics.md from the shipped spectral data.

    .venv/bin/python docs/figures/make_spectra_figures.py

Writes docs/figures/spectra_*.png and prints every number quoted in docs/physics.md.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.interpolate import make_smoothing_spline  # noqa: E402

from plumewatch.spectra import get_sensor, library_gases, transmittance, unit_absorption  # noqa: E402
from plumewatch.spectra.atmosphere import MODTRAN_AIR_MASS, background_columns_ppmm  # noqa: E402
from plumewatch.spectra.convolve import band_average, band_weights  # noqa: E402
from plumewatch.spectra.forward import lwir_radiance, radiance_unit_absorption, swir_radiance  # noqa: E402
from plumewatch.spectra.lut import (  # noqa: E402
    LUT_AIR_MASS_FACTOR,
    LUT_ENHANCEMENTS_PPMM,
    ch4_optical_depth_per_ppmm,
    read_lut,
)
from plumewatch.spectra.reference import (  # noqa: E402
    DATA_DIR,
    WEAK_EDGE_WINDOW,
    acetone_band_strengths,
    lut_path_factor,
    srcfinder_agreement,
)
from plumewatch.spectra.solar import solar_irradiance  # noqa: E402

OUT = Path(__file__).parent
# ang20171108t184227 over Pasadena (34.14 N, 118.13 W) at 18:42 UTC: solar zenith 52.2 degrees
# (NOAA solar-position series), nadir view.
PASADENA_SOLAR_ZENITH_DEG = 52.2
PASADENA_PIXELS = ["BeckmanParking", "brightlot", "darklot", "horse"]
CLEAN_TRANSMITTANCE = 0.75


def srcfinder_figure(ang) -> None:
    """Write spectra_srcfinder.png: our CH4 unit absorption against srcfinder's; print the agreement."""
    table = np.loadtxt(DATA_DIR / "srcfinder_ang_ch4_unit_3col_425chan.txt")
    ours = unit_absorption("ch4", ang.wavelength_nm, ang.fwhm_nm)
    stats = srcfinder_agreement()
    own = srcfinder_agreement(use_srcfinder_wavelengths=True)
    print("srcfinder (isofit band centres):", {k: round(v, 4) for k, v in stats.items()})
    print("srcfinder (srcfinder band centres):", {k: round(v, 4) for k, v in own.items()})
    fig, ax = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True, height_ratios=[3, 1])
    ax[0].plot(ang.wavelength_nm, 1e5 * ours, label="plumewatch (mag1c LUT / 2), x1e5")
    ax[0].plot(table[:, 1], -table[:, 2], "--", label="srcfinder ang_ch4_unit (sign flipped)")
    ax[0].set_ylabel("optical depth per ppm·m x 1e5")
    ax[0].set_title(
        f"CH4 unit absorption, AVIRIS-NG bands: r = {stats['correlation']:.4f}, "
        f"scale {stats['scale_srcfinder_over_ours']:.3f}"
    )
    ax[0].legend()
    ax[1].plot(ang.wavelength_nm, 1e5 * ours * stats["scale_srcfinder_over_ours"] + table[:, 2])
    ax[1].axhline(0, color="k", lw=0.5)
    ax[1].set_ylabel("scaled ours - theirs")
    ax[1].set_xlabel("wavelength (nm)")
    ax[1].set_xlim(2000, 2500)
    for a in ax:
        a.axvspan(2100, 2450, color="0.9", zorder=0)
    fig.tight_layout()
    fig.savefig(OUT / "spectra_srcfinder.png", dpi=110)
    plt.close(fig)


def nonlinear_figure(ang) -> None:
    """Write spectra_nonlinear.png: CH4 band transmittance vs path, ours against MODTRAN's table."""
    wavelength_nm, radiance = read_lut()
    weights, _ = band_weights(wavelength_nm, ang.wavelength_nm, ang.fwhm_nm)
    band = int(np.argmin(np.abs(ang.wavelength_nm - 2370.0)))
    lut = (weights.T @ radiance)[band] / (weights.T @ radiance[:, 0])[band]
    path = np.geomspace(10, 2e5, 60)
    k = unit_absorption("ch4", ang.wavelength_nm, ang.fwhm_nm)[band]
    exact = transmittance("ch4", path, ang.wavelength_nm, ang.fwhm_nm)[:, band]
    lut_path = LUT_ENHANCEMENTS_PPMM * LUT_AIR_MASS_FACTOR
    # our fine-grid CH4 seen through MODTRAN's own background radiance, as the table's bands are
    _, k_fine = ch4_optical_depth_per_ppmm()
    column = weights[:, band].toarray()[:, 0]
    lit = column * radiance[:, 0]
    weighted = np.exp(-np.outer(path, k_fine)) @ lit / lit.sum()
    ours_at_lut = np.exp(-np.outer(lut_path, k_fine)) @ lit / lit.sum()
    print("CH4 band 2370 nm: path ppm·m, MODTRAN band transmittance, ours through MODTRAN's background:")
    for p, a, b in zip(lut_path, lut, ours_at_lut, strict=True):
        print(f"  {p:8.0f}  {a:.4f}  {b:.4f}")
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ax.semilogx(path, exact, label="transmittance(): fine-grid exp(-k p), flat band mean")
    ax.semilogx(path, weighted, label="same, weighted by MODTRAN background radiance")
    ax.semilogx(path, np.exp(-k * path), "--", label="exp(-k_band p)")
    ax.semilogx(path, 1 - k * path, ":", label="linear 1 - k_band p")
    ax.semilogx(lut_path[1:], lut[1:], "o", label="MODTRAN (mag1c LUT), same band")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("CH4 path amount (ppm·m along the light path)")
    ax.set_ylabel(f"band transmittance at {ang.wavelength_nm[band]:.0f} nm")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "spectra_nonlinear.png", dpi=110)
    plt.close(fig)


def modtran_figure(ang) -> float:
    """Our two-way background transmittance vs MODTRAN's; returns the best-fitting water column (cm)."""
    wavelength_nm, radiance = read_lut()
    solar_nm, solar = solar_irradiance()
    modtran = band_average(np.pi * radiance[:, 0], wavelength_nm, ang.wavelength_nm, ang.fwhm_nm)
    modtran /= band_average(solar, solar_nm, ang.wavelength_nm, ang.fwhm_nm)
    # our CO2 lines stop at 2020 nm: the 2.06 um CO2 band is left out of the fit
    region = (ang.wavelength_nm > 1960) & (ang.wavelength_nm < 2480) & (np.abs(ang.wavelength_nm - 2052) > 33)
    best = None
    for pwv in np.arange(1.0, 4.01, 0.25):
        ours = _white(ang, 0.0, background_columns_ppmm(pwv), altitude_m=1e6)
        # a grey factor stands for MODTRAN's aerosol and any reflectance below one
        grey = float(ours[region] @ modtran[region] / (ours[region] @ ours[region]))
        rms = float(np.sqrt(np.nanmean((grey * ours[region] - modtran[region]) ** 2)))
        if best is None or rms < best[1]:
            best = (pwv, rms, grey * ours, grey)
    pwv, rms, ours, grey = best
    print(
        f"MODTRAN two-way transmittance vs ours, 1960-2480 nm less 2019-2085 nm: water {pwv:.2f} cm, "
        f"grey {grey:.3f}, rms {rms:.3f}"
    )
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(ang.wavelength_nm, modtran, label="MODTRAN (mag1c LUT, pi L0 / E_sun)")
    lines = ang.wavelength_nm >= 1852
    ax.plot(
        ang.wavelength_nm[lines],
        ours[lines],
        "--",
        label=f"plumewatch, {pwv:.2f} cm water, 420 ppm CO2, x{grey:.2f}",
    )
    ax.axvspan(1400, 1852, color="0.92", zorder=0)
    ax.axvspan(2019, 2085, color="0.96", zorder=0)
    ax.text(1410, 0.9, "plumewatch uses MODTRAN here", fontsize=8)
    ax.text(2022, 0.9, "no CO2\nlines", fontsize=8)
    ax.set_xlim(1400, 2500)
    ax.set_ylim(0, 1.0)
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel(f"two-way transmittance (air mass {MODTRAN_AIR_MASS:.0f})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "spectra_modtran.png", dpi=110)
    plt.close(fig)
    return pwv


def _white(ang, solar_zenith_deg, background, altitude_m=4000.0):
    """Band radiance of a white surface divided by the TOA irradiance term: the two-way transmittance."""
    radiance = swir_radiance(
        np.ones((1, ang.bands)),
        ang.wavelength_nm,
        ang.fwhm_nm,
        solar_zenith_deg=solar_zenith_deg,
        view_zenith_deg=0.0,
        columns_ppmm={},
        background_ppmm=background,
        sensor_altitude_m=altitude_m,
    )[0]
    solar_nm, solar = solar_irradiance()
    top = band_average(solar, solar_nm, ang.wavelength_nm, ang.fwhm_nm) * np.cos(np.deg2rad(solar_zenith_deg))
    return radiance / (top / np.pi)


def pasadena_figure(ang) -> None:
    """Write spectra_pasadena.png: real AVIRIS-NG Pasadena pixels against our fit; print its residuals."""
    files = {p: next((DATA_DIR / "pasadena_rdn").glob(f"*_{p}.txt")) for p in PASADENA_PIXELS}
    real = {p: np.loadtxt(f)[:, 1] for p, f in files.items()}
    transmission = {}
    fits = {}
    for pwv in np.arange(1.0, 3.51, 0.25):
        t = _white(ang, PASADENA_SOLAR_ZENITH_DEG, background_columns_ppmm(pwv))
        transmission[pwv] = t
        fits[pwv] = np.mean([_fit_pixel(ang, t, real[p])[1] for p in PASADENA_PIXELS])
    pwv = min(fits, key=fits.get)
    t = transmission[pwv]
    print(f"Pasadena: best water column {pwv:.2f} cm")
    fig, axes = plt.subplots(2, 1, figsize=(9, 7))
    for p in PASADENA_PIXELS:
        sim, _, stats = _fit_pixel(ang, t, real[p])
        print(f"  {p}: relative residual " + ", ".join(f"{k} {v:.3f}" for k, v in stats.items()))
        line = axes[0].plot(ang.wavelength_nm, real[p], lw=1, label=f"AVIRIS-NG {p}")[0]
        modelled = ang.wavelength_nm >= 1400
        axes[0].plot(ang.wavelength_nm[modelled], sim[modelled], "--", lw=1, color=line.get_color())
        axes[1].plot(ang.wavelength_nm, real[p], lw=1, color=line.get_color())
        axes[1].plot(ang.wavelength_nm, sim, "--", lw=1, color=line.get_color())
    axes[0].set_title(
        f"real AVIRIS-NG radiance (solid) and simulated (dashed); sza {PASADENA_SOLAR_ZENITH_DEG} deg, "
        f"{pwv:.2f} cm water"
    )
    axes[0].axvspan(376, 1400, color="0.95", zorder=0)
    axes[0].axvspan(1400, 1852, color="0.88", zorder=0)
    axes[0].text(
        420, 0.002, "not simulated: no gas absorption\nor scattering modelled below 1400 nm", fontsize=8
    )
    axes[0].text(1420, 0.002, "MODTRAN\nreference", fontsize=8)
    axes[1].set_xlim(1900, 2500)
    axes[1].set_ylim(0, 0.7)
    for a in axes:
        a.set_ylabel("radiance (uW nm-1 cm-2 sr-1)")
    axes[0].set_yscale("log")
    axes[0].set_ylim(1e-3, 30)
    axes[1].set_xlabel("wavelength (nm)")
    axes[0].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(OUT / "spectra_pasadena.png", dpi=110)
    plt.close(fig)


def _fit_pixel(ang, two_way, real):
    """Simulated radiance of a pixel whose reflectance is a smooth fit to its apparent reflectance."""
    solar_nm, solar = solar_irradiance()
    top = band_average(solar, solar_nm, ang.wavelength_nm, ang.fwhm_nm) * np.cos(
        np.deg2rad(PASADENA_SOLAR_ZENITH_DEG)
    )
    white = two_way * top / np.pi
    apparent = real / white
    # bands of the 2.06 um CO2 band look clear to the model (it holds no lines there) but are not
    missing_co2 = (ang.wavelength_nm > 2019) & (ang.wavelength_nm < 2085)
    clean = np.isfinite(apparent) & (two_way > CLEAN_TRANSMITTANCE) & (ang.wavelength_nm > 1000)
    clean &= ~missing_co2
    spline = make_smoothing_spline(ang.wavelength_nm[clean], apparent[clean], lam=3e3)
    simulated = spline(ang.wavelength_nm) * white
    relative = (simulated - real) / real
    windows = {"2100-2330 nm": (2100, 2330), "2330-2450 nm": (2330, 2450), "2019-2085 nm": (2019, 2085)}
    stats = {}
    for name, (lo, hi) in windows.items():
        inside = (ang.wavelength_nm >= lo) & (ang.wavelength_nm <= hi)
        stats[f"rms {name}"] = float(np.sqrt(np.mean(relative[inside] ** 2)))
    score = stats["rms 2100-2330 nm"] + stats["rms 2330-2450 nm"]
    return simulated, score, stats


def lwir_figure() -> None:
    """Write spectra_lwir.png: LWIR gases' unit absorption at HyTES bands, a plume's signal against noise."""
    hytes = get_sensor("hytes")
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    for gas in library_gases("lwir"):
        k = unit_absorption(gas, hytes.wavelength_nm, hytes.fwhm_nm)
        ax[0].semilogy(hytes.wavelength_nm / 1000, np.clip(k, 1e-7, None), lw=1, label=gas)
    ax[0].set_xlabel("wavelength (um)")
    ax[0].set_ylabel("optical depth per ppm·m (HyTES bands)")
    ax[0].set_ylim(1e-6, 0.1)
    ax[0].legend(fontsize=7, ncol=2)
    for plume_k in (290.0, 300.0, 310.0):
        with_plume = lwir_radiance(
            300.0,
            0.97,
            hytes.wavelength_nm,
            hytes.fwhm_nm,
            plume_temperature_k=plume_k,
            columns_ppmm={"acetone": np.array(500.0)},
        )
        clear = lwir_radiance(
            300.0,
            0.97,
            hytes.wavelength_nm,
            hytes.fwhm_nm,
            plume_temperature_k=plume_k,
            columns_ppmm={"acetone": np.array(0.0)},
        )
        ax[1].plot(hytes.wavelength_nm / 1000, with_plume - clear, label=f"plume {plume_k:.0f} K")
    ax[1].plot(hytes.wavelength_nm / 1000, hytes.noise_sigma(clear), "k:", label="HyTES 1-sigma noise")
    ax[1].axhline(0, color="k", lw=0.5)
    ax[1].set_xlabel("wavelength (um)")
    ax[1].set_ylabel("plume signal (W m-2 sr-1 um-1)")
    ax[1].set_title("500 ppm·m acetone over a 300 K, emissivity 0.97 ground")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "spectra_lwir.png", dpi=110)
    plt.close(fig)


def main() -> None:
    """Print the spectral checks quoted in the docs and write every spectra_*.png figure."""
    ang = get_sensor("avirisng")
    print(f"mag1c table path factor vs HITRAN (4383.5-4385.5 cm-1): {lut_path_factor():.3f}")
    edge = lut_path_factor(**WEAK_EDGE_WINDOW)
    print(f"mag1c table vs HITRAN on the band's weak edge (3970-4095 cm-1): {edge:.3f}")
    print("acetone band 1150-1270 cm-1:", acetone_band_strengths())
    print("acetone band 1300-1450 cm-1:", acetone_band_strengths(1300.0, 1450.0))
    flat = unit_absorption("ch4", ang.wavelength_nm, ang.fwhm_nm)
    window = (ang.wavelength_nm > 2100) & (ang.wavelength_nm < 2450)
    strongest = int(np.nanargmax(flat))
    for sza in (0.0, 60.0):
        weighted = radiance_unit_absorption(
            "ch4", ang.wavelength_nm, ang.fwhm_nm, solar_zenith_deg=sza, view_zenith_deg=0.0
        )
        ratio = weighted / flat
        print(
            f"radiance-weighted / flat CH4 unit absorption, sza {sza:.0f}: "
            f"{ratio[strongest]:.3f} at {ang.wavelength_nm[strongest]:.0f} nm, "
            f"median {np.median(ratio[window]):.3f} over 2100-2450 nm"
        )
    srcfinder_figure(ang)
    nonlinear_figure(ang)
    modtran_figure(ang)
    pasadena_figure(ang)
    lwir_figure()


if __name__ == "__main__":
    main()
