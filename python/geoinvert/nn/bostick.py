"""Niblett-Bostick depth mapping of MT sounding curves, as a fixed (not learned) network layer.

The Bostick transform (Bostick 1977; Jones 1983, "On the equivalence of the Niblett and Bostick
transformations in the magnetotelluric method", J. Geophys. 53) turns an apparent-resistivity and
phase sounding curve into an approximate resistivity-depth profile:

* depth ``z_B = sqrt(ρa / (ω μ0))`` (the apparent skin depth / √2, m → km),
* resistivity ``ρ_B = ρa (π / (2 φ) - 1)`` (φ in radians; exact for a half-space, where
  φ = 45° and ``ρ_B = ρ``).

:class:`BostickDepthMap` evaluates it for every station and mode and resamples ``log10 ρ_B``
from the irregular depths ``z_B`` onto the centres of a section's depth cells, so that a network
sees each frequency's information at the depth it senses. The resampling is linear in ``ln z``
between the sounding depths sorted per station (noise can make ``z_B`` non-monotonic in
frequency; sorting keeps each ``(z_B, ρ_B)`` pair together), and constant beyond the shallowest
and the deepest ``z_B``. It costs O(n_frequencies log n_frequencies) per station, a few per cent
of a width-1/8 U-Net step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["BostickDepthMap", "bostick_transform"]

MU0 = 4e-7 * math.pi  # vacuum permeability, H/m
# the factor π/(2φ) - 1 is clamped: φ → 90° would send ρ_B → 0, φ → 0 to ∞
PHASE_RANGE_DEG = (1.0, 89.0)


def bostick_transform(
    log10_rho_a: Tensor, phase_deg: Tensor, frequencies_hz: Tensor
) -> tuple[Tensor, Tensor]:
    """Bostick depth and resistivity of sounding curves.

    Parameters
    ----------
    log10_rho_a
        log10 apparent resistivity (log10 Ω·m), frequency along dimension -2.
    phase_deg
        Impedance phase (degrees, first quadrant), the same shape.
    frequencies_hz
        (n_frequencies,) frequencies (Hz) of dimension -2.

    Returns
    -------
    ln_depth_km, log10_rho_b
        Natural log of the Bostick depth (km) and log10 Bostick resistivity (log10 Ω·m).
    """
    f = frequencies_hz.to(log10_rho_a).reshape(-1, 1)
    ln10 = math.log(10.0)
    # z = sqrt(ρa / (2π f μ0)) m: in logs, to keep float32 exact over 7 decades of frequency
    ln_depth_km = 0.5 * (ln10 * log10_rho_a - torch.log(2 * math.pi * MU0 * f)) - math.log(1e3)
    phi = torch.deg2rad(phase_deg.clamp(*PHASE_RANGE_DEG))
    log10_rho_b = log10_rho_a + torch.log10(math.pi / (2 * phi) - 1)
    return ln_depth_km, log10_rho_b


class BostickDepthMap(nn.Module):
    """Data section (physical units) → Bostick log10-resistivity section on depth cells.

    Parameters
    ----------
    frequencies
        (n_frequencies,) frequencies (Hz) of the input rows, any order.
    depth_km
        Depth (km) of the section; cells are ``n_depth`` equal rows from the surface.
    n_depth
        Number of depth cells (rows of the output).

    Input ``(n, 2 m, n_frequencies, n_stations)``: channels ``[log10 ρa, phase]`` per mode (log10
    Ω·m, degrees). Output ``(n, m, n_depth, n_stations)``: log10 ρ_B (log10 Ω·m), row 0 at the
    surface.
    """

    def __init__(
        self,
        frequencies: Sequence[float],
        depth_km: float,
        n_depth: int,
    ) -> None:
        super().__init__()
        f = torch.as_tensor(list(frequencies), dtype=torch.float64)
        if f.ndim != 1 or len(f) < 2 or not bool(torch.all(torch.isfinite(f) & (f > 0))):
            raise ValueError("frequencies: need >= 2 finite positive values (Hz)")
        if not depth_km > 0:
            raise ValueError(f"depth_km: must be > 0 (km), got {depth_km}")
        if n_depth < 1:
            raise ValueError(f"n_depth: must be >= 1, got {n_depth}")
        centres = (torch.arange(n_depth, dtype=torch.float64) + 0.5) * (depth_km / n_depth)
        self.register_buffer("frequencies", f.float(), persistent=False)
        self.register_buffer("ln_centres_km", torch.log(centres).float(), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] % 2 or x.shape[-2] != len(self.frequencies):
            raise ValueError(
                f"x: expected (n, 2 m, {len(self.frequencies)}, n_stations), got {tuple(x.shape)}"
            )
        n, c, nf, ns = x.shape
        modes = x.reshape(n, c // 2, 2, nf, ns)
        ln_z, log_rho = bostick_transform(modes[:, :, 0], modes[:, :, 1], self.frequencies)
        # per station: sort the sounding depths, then interpolate at the cell centres
        ln_z, order = ln_z.transpose(-1, -2).contiguous().sort(dim=-1)  # (n, m, ns, nf)
        log_rho = log_rho.transpose(-1, -2).gather(-1, order)
        q = self.ln_centres_km.expand(*ln_z.shape[:-1], -1).contiguous()
        hi = torch.searchsorted(ln_z, q).clamp(1, nf - 1)
        lo = hi - 1
        z0, z1 = ln_z.gather(-1, lo), ln_z.gather(-1, hi)
        r0, r1 = log_rho.gather(-1, lo), log_rho.gather(-1, hi)
        t = ((q - z0) / (z1 - z0).clamp_min(1e-9)).clamp(0.0, 1.0)
        return (r0 + t * (r1 - r0)).transpose(-1, -2)  # (n, m, n_depth, ns)
