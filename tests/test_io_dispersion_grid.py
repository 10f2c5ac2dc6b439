"""Observed dispersion grids (CSV, NetCDF) and crustal-thickness map writers."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.invert.crust import CrustInversion
from geoinvert.io import (
    DispersionGrid,
    read_dispersion_grid,
    write_dispersion_grid,
    write_thickness_netcdf,
    write_thickness_png,
)

FREQ = np.array([0.01, 0.02, 0.03])  # Hz


def make_grid(group: bool = True) -> DispersionGrid:
    lon, lat = np.meshgrid([100.0, 100.5, 101.0], [30.0, 30.5])
    n = lon.size
    rng = np.random.default_rng(0)
    phase = 3.9 - 0.3 * FREQ[None, :] / 0.03 + 0.05 * rng.random((n, FREQ.size))
    extra = {}
    if group:
        extra = {
            "group": phase - 0.2,
            "phase_sigma": np.full_like(phase, 0.02),
            "group_sigma": np.full_like(phase, 0.04),
        }
    return DispersionGrid(lon.ravel(), lat.ravel(), FREQ.copy(), phase, **extra)


def _same(a: DispersionGrid, b: DispersionGrid) -> None:
    # Round trips go through repr() (CSV) or float64 variables (NetCDF): exact up to round-off.
    order_a = np.lexsort((a.lon, a.lat))
    order_b = np.lexsort((b.lon, b.lat))
    np.testing.assert_allclose(a.frequencies, b.frequencies, rtol=1e-12)
    for k in ("lon", "lat"):
        np.testing.assert_allclose(getattr(a, k)[order_a], getattr(b, k)[order_b], rtol=1e-12)
    for k in ("phase", "group", "phase_sigma", "group_sigma"):
        va, vb = getattr(a, k), getattr(b, k)
        assert (va is None) == (vb is None), k
        if va is not None:
            np.testing.assert_allclose(va[order_a], vb[order_b], rtol=1e-12)


@pytest.mark.parametrize("suffix", [".csv", ".nc"])
@pytest.mark.parametrize("group", [True, False])
def test_round_trip(tmp_path, suffix, group):
    grid = make_grid(group)
    path = write_dispersion_grid(tmp_path / f"obs{suffix}", grid)
    back = read_dispersion_grid(path)
    _same(grid, back)
    assert back.n_points == 6 and back.frequencies.tolist() == sorted(back.frequencies)


def test_csv_with_periods_and_shuffled_rows(tmp_path):
    grid = make_grid(False)
    rows = [
        f"{grid.lat[i]},{grid.lon[i]},{float(1 / grid.frequencies[j])!r},{float(grid.phase[i, j])!r}"
        for i in range(grid.n_points)
        for j in range(3)
    ]
    rows = [rows[k] for k in np.random.default_rng(1).permutation(len(rows))]
    path = tmp_path / "p.csv"
    path.write_text(
        "# a comment line\nLatitude,Longitude,period_s,phase_velocity\n" + "\n".join(rows)
    )
    _same(grid, read_dispersion_grid(path))


def _csv(tmp_path, header, rows):
    path = tmp_path / "bad.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        # NaN at a grid point -> the error names its lon/lat
        (
            "lon,lat,frequency,phase_velocity",
            ["100,30,0.01,3.8", "100,30,0.02,nan"],
            "lon 100, lat 30",
        ),
        # frequencies given in mHz
        ("lon,lat,frequency,phase_velocity", ["100,30,10,3.8", "100,30,20,3.7"], "Hz"),
        ("lon,lat,frequency,phase_velocity", ["100,30,-0.01,3.8"], "positive"),
        # duplicated row
        (
            "lon,lat,frequency,phase_velocity",
            ["100,30,0.01,3.8", "100,30,0.01,3.9"],
            "duplicated rows for lon 100, lat 30",
        ),
        # a point without one of the frequencies
        (
            "lon,lat,frequency,phase_velocity",
            ["100,30,0.01,3.8", "100,30,0.02,3.7", "101,30,0.01,3.8"],
            "no row for lon 101, lat 30 at frequency 0.02",
        ),
        ("lon,lat,phase_velocity", ["100,30,3.8"], "frequency"),
        ("lon,frequency,phase_velocity", ["100,0.01,3.8"], "lat"),
        ("lon,lat,frequency,phase_velocity", ["100,30,0.01,3800", "100,30,0.02,3700"], "km/s"),
    ],
)
def test_csv_bad_input(tmp_path, header, rows, message):
    with pytest.raises(ValueError, match=message):
        read_dispersion_grid(_csv(tmp_path, header, rows))


def _nc(path, freq=FREQ, funits="Hz", phase=None, dims=("lat", "lon", "frequency")):
    from scipy.io import netcdf_file

    lats, lons = np.array([30.0, 31.0]), np.array([100.0, 101.0, 102.0])
    cube = np.full((2, 3, freq.size), 3.8) if phase is None else phase
    order = [("lat", "lon", "frequency").index(d) for d in dims]
    with netcdf_file(str(path), "w") as fh:
        for name, vals, units in (
            ("lat", lats, "degrees_north"),
            ("lon", lons, "degrees_east"),
            ("frequency", freq, funits),
        ):
            fh.createDimension(name, vals.size)
            v = fh.createVariable(name, "f8", (name,))
            v[:] = vals
            v.units = units
        v = fh.createVariable("phase_velocity", "f8", dims)
        v[:] = np.transpose(cube, order)
        v.units = "km/s"
    return path


def test_netcdf_any_dimension_order_and_bad_input(tmp_path):
    cube = 3.8 + 0.01 * np.arange(18.0).reshape(2, 3, 3)
    a = read_dispersion_grid(_nc(tmp_path / "a.nc", phase=cube))
    b = read_dispersion_grid(_nc(tmp_path / "b.nc", phase=cube, dims=("frequency", "lon", "lat")))
    np.testing.assert_array_equal(a.phase, b.phase)
    assert a.point_name(4) == "lon 101, lat 31"
    np.testing.assert_array_equal(a.phase[4], cube[1, 1])

    bad = cube.copy()
    bad[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match="lon 102, lat 31"):
        read_dispersion_grid(_nc(tmp_path / "c.nc", phase=bad))
    gap = cube.copy()
    gap[0, 0, :] = np.nan  # a cell outside the coverage can be dropped on request
    assert read_dispersion_grid(_nc(tmp_path / "d.nc", phase=gap), drop_missing=True).n_points == 5
    with pytest.raises(ValueError, match="Hz"):
        read_dispersion_grid(_nc(tmp_path / "e.nc", funits="mHz"))
    with pytest.raises(ValueError, match="Hz"):
        read_dispersion_grid(_nc(tmp_path / "f.nc", freq=FREQ * 1e3))
    with pytest.raises(ValueError, match="no file"):
        read_dispersion_grid(tmp_path / "missing.nc")


def test_thickness_writers(tmp_path):
    from scipy.io import netcdf_file

    grid = make_grid(False)
    n = grid.n_points
    mean = np.linspace(30, 60, n)
    inv = CrustInversion(
        mean, np.full(n, 3.0), mean - 3, mean + 3, np.arange(n) == 2, np.linspace(0, 5, n)
    )
    nc = write_thickness_netcdf(tmp_path / "t.nc", grid.lon, grid.lat, inv)
    with netcdf_file(str(nc), "r", mmap=False) as fh:
        thick = np.array(fh.variables["crustal_thickness"][:])
        assert fh.variables["crustal_thickness_std"].units == b"km"
        assert set(fh.variables) >= {"crustal_thickness_q16", "crustal_thickness_q84"}
        ood = np.array(fh.variables["out_of_distribution"][:])
    # row-major (lat, lon): point i of make_grid sits at (i // 3, i % 3)
    np.testing.assert_allclose(thick.ravel(), mean, rtol=1e-12)
    assert ood.ravel()[2] == 1 and ood.sum() == 1
    png = write_thickness_png(tmp_path / "t.png", grid.lon, grid.lat, inv, reference=mean + 1)
    assert png.stat().st_size > 10_000
    with pytest.raises(ValueError, match="appears twice"):
        write_thickness_netcdf(
            tmp_path / "u.nc",
            np.r_[grid.lon[:-1], grid.lon[0]],
            np.r_[grid.lat[:-1], grid.lat[0]],
            inv,
        )
