"""Reader for SEG MT/EMAP EDI files (impedance sections), with rotation to TE/TM.

Only what an inversion needs is read: site name and position, frequencies, the 2 × 2 impedance
tensor with its variances, and the tipper when present. EDI impedances are in field units
(mV/km)/nT; ``EdiSite.impedance_ohm`` converts to SI ohms (Z_SI = 4π·10⁻⁴ · Z_field), so that
ρa = |Z_SI|²/(ωμ0) = 0.2 |Z_field|²/f Ω·m.

Convention: time dependence e^{+iωt} (the EDI convention), Z_xy = Ex/Hy. For a 2-D structure with
strike angle θ (degrees east of north) the tensor is rotated into strike coordinates (x' along
strike) and Z_TE = Z_x'y' = Ex'/Hy', Z_TM = -Z_y'x' = -Ey'/Hx', so that both phases lie in
(0°, 90°) over a 1-D earth, as in ``geoinvert.mt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["EdiSite", "profile_distance", "read_edi", "read_edi_profile"]

MU0 = 4e-7 * np.pi
FIELD_TO_OHM = 4e-4 * np.pi  # (mV/km)/nT -> V/A
_COMPONENTS = ("ZXX", "ZXY", "ZYX", "ZYY")


@dataclass(frozen=True)
class EdiSite:
    """One MT site read from an EDI file.

    Attributes
    ----------
    name : str
        Site identifier (DATAID).
    lat, lon, elevation : float
        Position in degrees and elevation in m (as written in the file).
    frequencies : ndarray, shape (n_f,)
        Frequencies in Hz, in the file's order.
    z : ndarray, shape (n_f, 2, 2), complex
        Impedance tensor in field units (mV/km)/nT, e^{+iωt}.
    z_var : ndarray, shape (n_f, 2, 2)
        Variance of each tensor element (field units squared); NaN if absent.
    tipper : ndarray, shape (n_f, 2), complex, or None
        Tipper (Tx, Ty) when present.
    """

    name: str
    lat: float
    lon: float
    elevation: float
    frequencies: NDArray[np.float64]
    z: NDArray[np.complex128]
    z_var: NDArray[np.float64]
    tipper: NDArray[np.complex128] | None = None

    @property
    def impedance_ohm(self) -> NDArray[np.complex128]:
        """Impedance tensor in SI ohms (V/A)."""
        return self.z * FIELD_TO_OHM

    def rotated(self, angle_deg: float) -> NDArray[np.complex128]:
        """Impedance tensor (field units) in axes rotated clockwise by ``angle_deg`` from north."""
        a = np.deg2rad(angle_deg)
        rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
        return rot @ self.z @ rot.T

    def te_tm(self, strike_deg: float = 0.0) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
        """TE and TM apparent resistivity (Ω·m), phase (degrees) and their standard errors.

        Parameters
        ----------
        strike_deg : float
            Geoelectric strike in degrees east of north; x' points along strike.

        Returns
        -------
        te, tm : dict
            Keys ``rho_a`` (Ω·m), ``phase`` (degrees), ``rho_a_err`` (Ω·m), ``phase_err``
            (degrees), ``z`` (SI ohms), one value per frequency.
        """
        zr = self.rotated(strike_deg)
        a = np.deg2rad(strike_deg)
        # Rotated variances (first order: elements mix with weights cos², sin²).
        c2, s2 = np.cos(a) ** 2, np.sin(a) ** 2
        var = self.z_var
        var_xy = (
            c2 * c2 * var[:, 0, 1]
            + s2 * s2 * var[:, 1, 0]
            + c2 * s2 * (var[:, 0, 0] + var[:, 1, 1])
        )
        var_yx = (
            c2 * c2 * var[:, 1, 0]
            + s2 * s2 * var[:, 0, 1]
            + c2 * s2 * (var[:, 0, 0] + var[:, 1, 1])
        )
        out = []
        for z_field, v in ((zr[:, 0, 1], var_xy), (-zr[:, 1, 0], var_yx)):
            z_ohm = z_field * FIELD_TO_OHM
            omega = 2 * np.pi * self.frequencies
            rho = np.abs(z_ohm) ** 2 / (omega * MU0)
            phase = np.degrees(np.arctan2(z_ohm.imag, z_ohm.real))
            dz = np.sqrt(np.abs(v))  # standard error of |Z| in field units
            rel = dz / np.abs(z_field)
            out.append(
                {
                    "rho_a": rho,
                    "phase": phase,
                    "rho_a_err": 2 * rel * rho,
                    "phase_err": np.degrees(np.arcsin(np.clip(rel, 0, 1))),
                    "z": z_ohm,
                }
            )
        return out[0], out[1]


def _blocks(text: str) -> dict[str, str]:
    """Split an EDI file into ``>KEYWORD ...`` blocks keyed by the keyword."""
    blocks: dict[str, str] = {}
    for part in re.split(r"^>", text, flags=re.MULTILINE)[1:]:
        first, _, body = part.partition("\n")
        key = first.split()[0].upper() if first.split() else ""
        blocks.setdefault(key, first + "\n" + body)
    return blocks


def _numbers(block: str) -> NDArray[np.float64]:
    _, _, body = block.partition("\n")
    return np.array([float(v) for v in body.split()])


def _header_value(text: str, key: str) -> str | None:
    m = re.search(rf"^\s*{key}\s*=\s*\"?([^\"\n]*)\"?", text, flags=re.MULTILINE)
    return m.group(1).strip() if m else None


def _to_degrees(value: str) -> float:
    """Decimal degrees or D:M:S."""
    if ":" in value:
        d, m, s = (float(v) for v in value.split(":"))
        sign = -1.0 if value.strip().startswith("-") else 1.0
        return sign * (abs(d) + m / 60 + s / 3600)
    return float(value)


def read_edi(path: str | Path) -> EdiSite:
    """Read one EDI file.

    Parameters
    ----------
    path : path
        The ``.edi`` file.

    Returns
    -------
    EdiSite
        Frequencies in Hz, impedances in (mV/km)/nT (see module docstring for SI).
    """
    path = Path(path)
    text = path.read_text(errors="replace")
    blocks = _blocks(text)
    if "FREQ" not in blocks:
        raise ValueError(f"{path}: no >FREQ block; not an impedance EDI file")
    freq = _numbers(blocks["FREQ"])
    n = freq.size
    z = np.zeros((n, 2, 2), dtype=complex)
    var = np.full((n, 2, 2), np.nan)
    for k, comp in enumerate(_COMPONENTS):
        i, j = divmod(k, 2)
        try:
            re_, im_ = _numbers(blocks[comp + "R"]), _numbers(blocks[comp + "I"])
        except KeyError:
            raise ValueError(f"{path}: missing impedance block {comp}R/{comp}I") from None
        if re_.size != n or im_.size != n:
            raise ValueError(f"{path}: {comp} has {re_.size} values but FREQ has {n} frequencies")
        z[:, i, j] = re_ + 1j * im_
        if comp + ".VAR" in blocks:
            var[:, i, j] = _numbers(blocks[comp + ".VAR"])
    tipper = None
    if "TXR" in blocks and "TYR" in blocks:
        tipper = np.column_stack(
            [
                _numbers(blocks["TXR"]) + 1j * _numbers(blocks["TXI"]),
                _numbers(blocks["TYR"]) + 1j * _numbers(blocks["TYI"]),
            ]
        )
    head = blocks.get("HEAD", "")
    name = _header_value(head, "DATAID") or path.stem
    lat, lon = _header_value(head, "LAT"), _header_value(head, "LONG")
    if lat is None or lon is None:
        raise ValueError(f"{path}: LAT/LONG missing from the >HEAD block")
    elev = _header_value(head, "ELEV")
    return EdiSite(
        name=name,
        lat=_to_degrees(lat),
        lon=_to_degrees(lon),
        elevation=float(elev) if elev else 0.0,
        frequencies=freq,
        z=z,
        z_var=var,
        tipper=tipper,
    )


def profile_distance(lat: NDArray, lon: NDArray) -> tuple[NDArray[np.float64], float]:
    """Project sites onto their best-fitting straight profile.

    Parameters
    ----------
    lat, lon : ndarray
        Site positions in degrees.

    Returns
    -------
    distance : ndarray
        Position along the profile in km, starting at 0 at the first site along it.
    azimuth : float
        Profile azimuth in degrees east of north (the geoelectric strike of a 2-D model of this
        profile is perpendicular to it).
    """
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    r_earth = 6371.0
    y = np.deg2rad(lat - lat.mean()) * r_earth
    x = np.deg2rad(lon - lon.mean()) * r_earth * np.cos(np.deg2rad(lat.mean()))
    pts = np.column_stack([x, y])
    _, _, vt = np.linalg.svd(pts - pts.mean(axis=0), full_matrices=False)
    direction = vt[0] if vt[0][0] >= 0 else -vt[0]  # point eastwards
    d = pts @ direction
    azimuth = float(np.degrees(np.arctan2(direction[0], direction[1])))
    return d - d.min(), azimuth


def read_edi_profile(paths: list[str | Path] | str | Path) -> tuple[list[EdiSite], NDArray]:
    """Read EDI files (a list, or every ``*.edi`` in a folder) sorted along their profile.

    Returns
    -------
    sites : list of EdiSite
        Sorted by position along the profile.
    distance : ndarray
        Position of each site along the profile in km.
    """
    if isinstance(paths, (str, Path)) and Path(paths).is_dir():
        files = sorted(Path(paths).glob("*.edi"))
    elif isinstance(paths, (str, Path)):
        files = [Path(paths)]
    else:
        files = [Path(p) for p in paths]
    if not files:
        raise ValueError(f"no EDI files found in {paths}")
    sites = [read_edi(f) for f in files]
    dist, _ = profile_distance(np.array([s.lat for s in sites]), np.array([s.lon for s in sites]))
    order = np.argsort(dist)
    return [sites[i] for i in order], dist[order]
