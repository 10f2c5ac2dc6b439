#include "mt/mt2d.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/errors.hpp"
#include "common/parallel.hpp"
#include "mt/mt1d.hpp"

namespace geoinvert::mt {

namespace {

constexpr double ln10 = 2.302585092994045684;

/// Local 4x4 Q1 matrix a (Ky x Mz + My x Kz) + c (My x Mz) + beta (My on the bottom edge),
/// node order p = dj + 2 di (dj along y, di along z).
void local_matrix(double hy, double hz, cplx a, cplx c, cplx beta, cplx* out) {
  const double K1y[2][2] = {{1 / hy, -1 / hy}, {-1 / hy, 1 / hy}};
  const double M1y[2][2] = {{hy / 3, hy / 6}, {hy / 6, hy / 3}};
  const double K1z[2][2] = {{1 / hz, -1 / hz}, {-1 / hz, 1 / hz}};
  const double M1z[2][2] = {{hz / 3, hz / 6}, {hz / 6, hz / 3}};
  for (int p = 0; p < 4; ++p) {
    const int yp = p & 1, zp = p >> 1;
    for (int q = 0; q < 4; ++q) {
      const int yq = q & 1, zq = q >> 1;
      cplx v = a * (K1y[yp][yq] * M1z[zp][zq] + M1y[yp][yq] * K1z[zp][zq]) +
               c * (M1y[yp][yq] * M1z[zp][zq]);
      if (zp == 1 && zq == 1) v += beta * M1y[yp][yq];
      out[p * 4 + q] = v;
    }
  }
}

/// Local 2x2 1-D matrix a K1z + c M1z (+ beta on the bottom node).
void local_matrix_1d(double hz, cplx a, cplx c, cplx beta, cplx* out) {
  out[0] = a / hz + c * (hz / 3);
  out[1] = out[2] = -a / hz + c * (hz / 6);
  out[3] = a / hz + c * (hz / 3) + beta;
}

/// Solve a complex symmetric tridiagonal system (diag d, off-diagonal e[i] = A(i, i+1)) in place;
/// `w` is caller scratch (resized to d.size(), no allocation once it has the capacity).
void tridiag_solve(const std::vector<cplx>& d, const std::vector<cplx>& e, cplx* x,
                   std::vector<cplx>& w) {
  const std::size_t n = d.size();
  w.assign(d.begin(), d.end());
  for (std::size_t i = 1; i < n; ++i) {
    const cplx m = e[i - 1] / w[i - 1];
    w[i] -= m * e[i - 1];
    x[i] -= m * x[i - 1];
  }
  x[n - 1] /= w[n - 1];
  for (std::size_t i = n - 1; i-- > 0;) x[i] = (x[i] - e[i] * x[i + 1]) / w[i];
}

/// Geometric nested dissection of the node box [j0, j1) x [i0, i1): the two halves first, the
/// separator line last. Appends (j, i) to `order` and the post-ordered supernode tree to `nodes`
/// (each separator / leaf box is one supernode). Returns the node index or -1 if the box is empty.
int nested_dissection(int j0, int j1, int i0, int i1, std::vector<std::pair<int, int>>& order,
                      std::vector<Supernode>& nodes) {
  const int nj = j1 - j0, ni = i1 - i0;
  if (nj <= 0 || ni <= 0) return -1;
  Supernode sn;
  if (nj * ni <= 16) {
    sn.s0 = static_cast<int>(order.size());
    for (int j = j0; j < j1; ++j)
      for (int i = i0; i < i1; ++i) order.emplace_back(j, i);
  } else if (nj >= ni) {
    const int m = j0 + nj / 2;
    for (int c : {nested_dissection(j0, m, i0, i1, order, nodes),
                  nested_dissection(m + 1, j1, i0, i1, order, nodes)})
      if (c >= 0) sn.children.push_back(c);
    sn.s0 = static_cast<int>(order.size());
    for (int i = i0; i < i1; ++i) order.emplace_back(m, i);
  } else {
    const int m = i0 + ni / 2;
    for (int c : {nested_dissection(j0, j1, i0, m, order, nodes),
                  nested_dissection(j0, j1, m + 1, i1, order, nodes)})
      if (c >= 0) sn.children.push_back(c);
    sn.s0 = static_cast<int>(order.size());
    for (int j = j0; j < j1; ++j) order.emplace_back(j, m);
  }
  sn.s1 = static_cast<int>(order.size());
  nodes.push_back(std::move(sn));
  return static_cast<int>(nodes.size()) - 1;
}

}  // namespace

struct ModeSystem {
  int mode = 0;             // 0 TE, 1 TM
  int r0 = 0;               // first node row of the domain
  int ny = 0, nr = 0;       // nodes along y, node rows in the domain
  int n_air_rows = 0;       // air cell rows inside the domain (TE only)
  std::vector<double> hy, hz;
  std::vector<int> perm;    // node (j * nr + i) -> unknown index, -1 for Dirichlet
  std::vector<int> pos;     // per cell, 16 positions into Ax (-1: not stored there)
  MultifrontalSymbolic sym;

  int node(int j, int i) const { return j * nr + i; }
  int ncells_y() const { return ny - 1; }
  int ncells_z() const { return nr - 1; }

  /// Element coefficients (a, c, beta) of cell (j, i) at angular frequency omega; rho is the
  /// earth resistivity array (n_earth_rows x ncells_y). is_param: whether the cell is earth.
  void coeffs(const double* rho, double omega, int j, int i, cplx& a, cplx& c, cplx& beta,
              int& earth_row) const {
    const int er = i - n_air_rows;
    earth_row = er;
    const bool bottom = (i == ncells_z() - 1);
    if (mode == 0) {
      a = 1.0;
      if (er < 0) {
        c = 0.0;
        beta = 0.0;
        return;
      }
      const double sigma = 1.0 / rho[er * ncells_y() + j];
      c = cplx(0.0, omega * mu0 * sigma);
      beta = bottom ? std::sqrt(cplx(0.0, omega * mu0 * sigma)) : cplx(0.0);
    } else {
      const double r = rho[er * ncells_y() + j];
      a = r;
      c = cplx(0.0, omega * mu0);
      beta = bottom ? std::sqrt(cplx(0.0, omega * mu0 * r)) : cplx(0.0);
    }
  }
  /// d(a, c, beta)/d log10(rho) for an earth cell.
  void dcoeffs(cplx a, cplx c, cplx beta, cplx& da, cplx& dc, cplx& db) const {
    if (mode == 0) {
      da = 0.0;
      dc = -ln10 * c;
      db = -0.5 * ln10 * beta;
    } else {
      da = ln10 * a;
      dc = 0.0;
      db = 0.5 * ln10 * beta;
    }
  }

  void build(const std::vector<double>& y, const std::vector<double>& z, int n_air, int m) {
    mode = m;
    r0 = (mode == 0) ? 0 : n_air;
    n_air_rows = (mode == 0) ? n_air : 0;
    ny = static_cast<int>(y.size());
    nr = static_cast<int>(z.size()) - r0;
    hy.resize(ny - 1);
    hz.resize(nr - 1);
    for (int j = 0; j + 1 < ny; ++j) hy[j] = y[j + 1] - y[j];
    for (int i = 0; i + 1 < nr; ++i) hz[i] = z[r0 + i + 1] - z[r0 + i];
    // Unknowns: j in [1, ny-2], i in [1, nr-1] (top row and both sides are Dirichlet).
    std::vector<std::pair<int, int>> order;
    sym.nodes.clear();
    nested_dissection(1, ny - 1, 1, nr, order, sym.nodes);
    perm.assign(static_cast<std::size_t>(ny) * nr, -1);
    for (std::size_t k = 0; k < order.size(); ++k)
      perm[node(order[k].first, order[k].second)] = static_cast<int>(k);
    const int n = static_cast<int>(order.size());
    sym.n = n;
    sym.Ap.assign(n + 1, 0);
    sym.Ai.clear();
    std::vector<int> col;
    for (int k = 0; k < n; ++k) {
      const int j = order[k].first, i = order[k].second;
      col.clear();
      for (int dj = -1; dj <= 1; ++dj)
        for (int di = -1; di <= 1; ++di) {
          const int jj = j + dj, ii = i + di;
          if (jj < 0 || jj >= ny || ii < 0 || ii >= nr) continue;
          const int l = perm[node(jj, ii)];
          if (l >= k) col.push_back(l);
        }
      std::sort(col.begin(), col.end());
      sym.Ai.insert(sym.Ai.end(), col.begin(), col.end());
      sym.Ap[k + 1] = static_cast<int>(sym.Ai.size());
    }
    sym.analyse();
    const int ncy = ny - 1, ncz = nr - 1;
    pos.assign(static_cast<std::size_t>(ncy) * ncz * 16, -1);
    for (int j = 0; j < ncy; ++j)
      for (int i = 0; i < ncz; ++i) {
        int* ps = &pos[(static_cast<std::size_t>(j) * ncz + i) * 16];
        for (int p = 0; p < 4; ++p) {
          const int kp = perm[node(j + (p & 1), i + (p >> 1))];
          for (int q = 0; q < 4; ++q) {
            const int kq = perm[node(j + (q & 1), i + (q >> 1))];
            if (kp < 0 || kq < 0 || kp < kq) continue;
            if (kp == kq && p != q) continue;
            ps[p * 4 + q] = sym.position(kp, kq);
          }
        }
      }
  }

  /// 1-D FE solution of cell column jc with u(top) = 1: u has nr entries. Also returns the
  /// tridiagonal (d, e) for adjoint solves; w is scratch. No allocation once the vectors have
  /// their capacity.
  void column_1d(const double* rho, double omega, int jc, std::vector<cplx>& u,
                 std::vector<cplx>& d, std::vector<cplx>& e, std::vector<cplx>& w) const {
    const int n = nr - 1;  // unknowns: rows 1..nr-1, stored in u[1..]
    d.assign(n, 0.0);
    e.assign(n > 0 ? n - 1 : 0, 0.0);
    u.assign(nr, 0.0);
    u[0] = 1.0;
    cplx* b = u.data() + 1;
    cplx loc[4];
    for (int i = 0; i < nr - 1; ++i) {
      cplx a, c, beta;
      int er;
      coeffs(rho, omega, jc, i, a, c, beta, er);
      local_matrix_1d(hz[i], a, c, beta, loc);
      // nodes i (unknown index i-1) and i+1 (unknown index i)
      if (i == 0) {
        b[0] -= loc[2];  // u[0] = 1
      } else {
        d[i - 1] += loc[0];
        e[i - 1] += loc[1];
      }
      d[i] += loc[3];
    }
    tridiag_solve(d, e, b, w);
  }
};

Mt2dProblem::Mt2dProblem(std::vector<double> y, std::vector<double> z, int n_air,
                         std::vector<double> stations)
    : y_(std::move(y)), z_(std::move(z)), st_(std::move(stations)), n_air_(n_air) {
  const int ny = static_cast<int>(y_.size()), nz = static_cast<int>(z_.size());
  if (ny < 4) throw_invalid("the mesh needs at least 4 nodes along the profile, got ", ny);
  if (n_air < 1) throw_invalid("the mesh needs at least one air layer for TE, got ", n_air);
  if (nz - n_air < 3) throw_invalid("the mesh needs at least 2 earth cell rows");
  for (int j = 0; j + 1 < ny; ++j)
    if (!(y_[j + 1] > y_[j])) throw_invalid("x nodes must be strictly increasing (index ", j, ")");
  for (int i = 0; i + 1 < nz; ++i)
    if (!(z_[i + 1] > z_[i])) throw_invalid("z nodes must be strictly increasing (index ", i, ")");
  if (z_[n_air] != 0.0) throw_invalid("z node n_air must be the surface z = 0");
  st_j_.resize(st_.size());
  st_t_.resize(st_.size());
  for (std::size_t s = 0; s < st_.size(); ++s) {
    const double x = st_[s];
    if (!(x > y_.front() && x < y_.back()))
      throw_invalid("stations must lie strictly inside the mesh; station ", s, " at ", x,
                    " m is outside (", y_.front(), ", ", y_.back(), ")");
    const int j = static_cast<int>(std::upper_bound(y_.begin(), y_.end(), x) - y_.begin()) - 1;
    st_j_[s] = j;
    st_t_[s] = (x - y_[j]) / (y_[j + 1] - y_[j]);
  }
  te_ = std::make_unique<ModeSystem>();
  tm_ = std::make_unique<ModeSystem>();
  te_->build(y_, z_, n_air_, 0);
  tm_->build(y_, z_, n_air_, 1);
}

Mt2dProblem::~Mt2dProblem() = default;

int Mt2dProblem::n_unknowns(int mode) const { return (mode == 0 ? te_ : tm_)->sym.n; }
std::int64_t Mt2dProblem::factor_nnz(int mode) const {
  return (mode == 0 ? te_ : tm_)->sym.factor_nnz();
}

double Mt2dProblem::factor_ops(int mode) const {
  return (mode == 0 ? te_ : tm_)->sym.factor_ops();
}

namespace {

struct ItemResult {
  std::vector<cplx> Z;       // per station
  std::vector<double> grad;  // per earth cell (only with gradient)
  double misfit = 0.0;
};

/// Per-worker buffers: one live factor (rebuilt only when the worker moves to the other mode)
/// and every vector of a solve, so that a frequency solve allocates nothing once the buffers
/// have grown to the mesh size.
struct Workspace {
  std::unique_ptr<MultifrontalFactor> fac;
  const ModeSystem* fac_ms = nullptr;
  std::vector<cplx> Ax, U, uL, uR, dL, eL, dR, eR, tri, r, floc, md, me, g, N, D;
  std::vector<cplx> cs, q, gam, psi, L, gL, gR, mu;
  AlignedCVector rhs, lam;
  ItemResult local;
  // forward_batch: the current item's resistivity on its mesh, and whose it is
  std::vector<double> rho_mesh;
  int rho_band = -1;
  std::size_t rho_model = 0;

  MultifrontalFactor& factor_for(const ModeSystem& ms) {
    if (fac_ms != &ms) {
      fac.reset();  // never two live factors in one worker
      fac = std::make_unique<MultifrontalFactor>(ms.sym);
      fac_ms = &ms;
    }
    return *fac;
  }
};

}  // namespace

// One (mode, frequency): factor, solve, surface fields, and optionally the adjoint gradient.
static void solve_item(const ModeSystem& ms, const std::vector<int>& st_j,
                       const std::vector<double>& st_t, const double* rho, double omega,
                       Workspace& ws, const double* obs, const double* w, ItemResult& out,
                       int n_earth_rows) {
  MultifrontalFactor& fac = ws.factor_for(ms);
  const int ny = ms.ny, nr = ms.nr, ncy = ny - 1, ncz = nr - 1, n = ms.sym.n;
  const std::size_t ns = st_j.size();
  std::vector<cplx>& Ax = ws.Ax;
  std::vector<cplx>& U = ws.U;
  Ax.assign(ms.sym.Ai.size(), 0.0);
  U.assign(static_cast<std::size_t>(ny) * nr, 0.0);
  // Dirichlet values: sides from the 1-D FE columns, top row = 1.
  std::vector<cplx>&uL = ws.uL, &uR = ws.uR, &dL = ws.dL, &eL = ws.eL, &dR = ws.dR, &eR = ws.eR;
  ms.column_1d(rho, omega, 0, uL, dL, eL, ws.tri);
  ms.column_1d(rho, omega, ncy - 1, uR, dR, eR, ws.tri);
  for (int i = 0; i < nr; ++i) {
    U[ms.node(0, i)] = uL[i];
    U[ms.node(ny - 1, i)] = uR[i];
  }
  for (int j = 0; j < ny; ++j) U[ms.node(j, 0)] = 1.0;
  AlignedCVector& rhs = ws.rhs;
  rhs.assign(n, 0.0);
  cplx loc[16];
  for (int j = 0; j < ncy; ++j)
    for (int i = 0; i < ncz; ++i) {
      cplx a, c, beta;
      int er;
      ms.coeffs(rho, omega, j, i, a, c, beta, er);
      local_matrix(ms.hy[j], ms.hz[i], a, c, beta, loc);
      const int* ps = &ms.pos[(static_cast<std::size_t>(j) * ncz + i) * 16];
      for (int p = 0; p < 4; ++p) {
        const int kp = ms.perm[ms.node(j + (p & 1), i + (p >> 1))];
        if (kp < 0) continue;
        for (int q = 0; q < 4; ++q) {
          if (ps[p * 4 + q] >= 0) Ax[ps[p * 4 + q]] += loc[p * 4 + q];
          const int nq = ms.node(j + (q & 1), i + (q >> 1));
          if (ms.perm[nq] < 0) rhs[kp] -= loc[p * 4 + q] * U[nq];
        }
      }
    }
  out.Z.assign(ns, cplx(std::numeric_limits<double>::quiet_NaN(), 0.0));
  if (!fac.factor(Ax.data())) return;
  fac.solve(rhs.data());
  for (int j = 1; j < ny - 1; ++j)
    for (int i = 1; i < nr; ++i) U[ms.node(j, i)] = rhs[ms.perm[ms.node(j, i)]];

  // Surface flux: r_j = sum over the flux cells (air row above the surface for TE, earth row
  // below for TM) of (A_e U_e) at the surface nodes.
  const int srow = ms.n_air_rows;                 // surface node row (local)
  const int frow = (ms.mode == 0) ? srow - 1 : 0; // cell row used for the flux
  const int fp0 = (ms.mode == 0) ? 2 : 0;         // local index offset of surface nodes
  std::vector<cplx>& r = ws.r;
  std::vector<cplx>& floc = ws.floc;
  r.assign(ny, 0.0);
  floc.resize(static_cast<std::size_t>(ncy) * 16);
  for (int j = 0; j < ncy; ++j) {
    cplx a, c, beta;
    int er;
    ms.coeffs(rho, omega, j, frow, a, c, beta, er);
    local_matrix(ms.hy[j], ms.hz[frow], a, c, beta, &floc[j * 16]);
    for (int pp = 0; pp < 2; ++pp) {
      const int p = fp0 + pp;
      cplx acc = 0.0;
      for (int q = 0; q < 4; ++q) acc += floc[j * 16 + p * 4 + q] * U[ms.node(j + (q & 1), frow + (q >> 1))];
      r[j + pp] += acc;
    }
  }
  // Surface mass matrix (tridiagonal). TM: weighted by the top cells' resistivity, so that the
  // projected field is the current density Jy = Ey / rho, continuous across a surface contrast
  // where Ey jumps; Ey at a station is then rho of its cell times Jy (a continuous projection
  // of Ey itself smears the jump over several columns).
  std::vector<cplx>&md = ws.md, &me = ws.me;
  md.assign(ny, 0.0);
  me.assign(ny - 1, 0.0);
  for (int j = 0; j < ncy; ++j) {
    const double wt = ms.mode == 1 ? rho[j] : 1.0;  // TM: earth row 0 is the top row
    md[j] += wt * ms.hy[j] / 3;
    md[j + 1] += wt * ms.hy[j] / 3;
    me[j] = wt * ms.hy[j] / 6;
  }
  std::vector<cplx>& g = ws.g;
  g.assign(r.begin(), r.end());
  tridiag_solve(md, me, g.data(), ws.tri);
  const cplx iwm(0.0, omega * mu0);
  std::vector<cplx>&N = ws.N, &D = ws.D;
  N.resize(ns);
  D.resize(ns);
  for (std::size_t s = 0; s < ns; ++s) {
    const int j = st_j[s];
    const double t = st_t[s];
    if (ms.mode == 0) {
      N[s] = (1 - t) * U[ms.node(j, srow)] + t * U[ms.node(j + 1, srow)];  // Ex
      D[s] = -((1 - t) * g[j] + t * g[j + 1]) / iwm;                       // Hy = -dEx/dz / iwm
    } else {
      N[s] = rho[j] * ((1 - t) * g[j] + t * g[j + 1]);  // -Ey (Hx = 1)
      D[s] = 1.0;
    }
    out.Z[s] = N[s] / D[s];
  }
  if (obs == nullptr) return;

  // ---- misfit and adjoint gradient ----
  // d1 = log10 rho_a = 2 Re(log Z)/ln10 - log10(omega mu0), d2 = phase = (180/pi) Im(log Z).
  // dJ = Re(sum_s c_s dlogZ_s), c_s = 2 w1 r1 (2/ln10) - i 2 w2 r2 (180/pi).
  std::vector<cplx>& cs = ws.cs;
  cs.resize(ns);
  double misfit = 0.0;
  for (std::size_t s = 0; s < ns; ++s) {
    const cplx z = out.Z[s];
    const double d1 = std::log10(std::norm(z) / (omega * mu0));
    const double d2 = std::atan2(z.imag(), z.real()) * (180.0 / pi);
    const double r1 = d1 - obs[2 * s], r2 = d2 - obs[2 * s + 1];
    misfit += w[2 * s] * r1 * r1 + w[2 * s + 1] * r2 * r2;
    cs[s] = cplx(2 * w[2 * s] * r1 * (2 / ln10), -2 * w[2 * s + 1] * r2 * (180.0 / pi));
  }
  out.misfit = misfit;
  // q: gradient of Re(sum c dlogZ) w.r.t. U (full node vector); psi for the flux functional.
  std::vector<cplx>&q = ws.q, &gam = ws.gam;
  q.assign(U.size(), 0.0);
  gam.assign(ny, 0.0);
  for (std::size_t s = 0; s < ns; ++s) {
    const int j = st_j[s];
    const double t = st_t[s];
    if (ms.mode == 0) {
      q[ms.node(j, srow)] += cs[s] / N[s] * (1 - t);
      q[ms.node(j + 1, srow)] += cs[s] / N[s] * t;
      const cplx f = -cs[s] / D[s] * (-1.0 / iwm);
      gam[j] += f * (1 - t);
      gam[j + 1] += f * t;
    } else {
      const cplx f = cs[s] / N[s] * rho[j];
      gam[j] += f * (1 - t);
      gam[j + 1] += f * t;
    }
  }
  std::vector<cplx>& psi = ws.psi;
  psi.assign(gam.begin(), gam.end());
  tridiag_solve(md, me, psi.data(), ws.tri);
  // q += R^T psi (flux cells), and for TM the explicit dR/dm term.
  out.grad.assign(static_cast<std::size_t>(n_earth_rows) * ncy, 0.0);
  if (ms.mode == 1) {
    // TM: N_s = rho_c(s) P_s g with M_rho g = r. Explicit terms of d/dlog10(rho) of the top
    // cells: the station factor rho_c(s) gives ln10 Re(c_s); the weighted mass matrix gives
    // -ln10 rho_j Re(psi_e^T M_e g_e) per top cell j.
    for (std::size_t s = 0; s < ns; ++s) out.grad[st_j[s]] += ln10 * cs[s].real();
    for (int j = 0; j < ncy; ++j) {
      const double h = ms.hy[j];
      const cplx mg0 = h / 3 * g[j] + h / 6 * g[j + 1];
      const cplx mg1 = h / 6 * g[j] + h / 3 * g[j + 1];
      out.grad[j] -= ln10 * rho[j] * (psi[j] * mg0 + psi[j + 1] * mg1).real();
    }
  }
  for (int j = 0; j < ncy; ++j) {
    for (int pp = 0; pp < 2; ++pp) {
      const int p = fp0 + pp;
      for (int qq = 0; qq < 4; ++qq)
        q[ms.node(j + (qq & 1), frow + (qq >> 1))] += floc[j * 16 + p * 4 + qq] * psi[j + pp];
    }
    if (ms.mode == 1) {
      cplx a, c, beta, da, dc, db;
      int er;
      ms.coeffs(rho, omega, j, frow, a, c, beta, er);
      ms.dcoeffs(a, c, beta, da, dc, db);
      local_matrix(ms.hy[j], ms.hz[frow], da, dc, db, loc);
      cplx acc = 0.0;
      for (int pp = 0; pp < 2; ++pp)
        for (int qq = 0; qq < 4; ++qq)
          acc += psi[j + pp] * loc[(fp0 + pp) * 4 + qq] * U[ms.node(j + (qq & 1), frow + (qq >> 1))];
      out.grad[static_cast<std::size_t>(er) * ncy + j] += acc.real();
    }
  }
  // Adjoint solve: A_II lambda = q_I (A complex symmetric: same factor).
  AlignedCVector& lam = ws.lam;
  lam.resize(n);
  for (int jn = 0; jn < ny; ++jn)
    for (int i = 0; i < nr; ++i) {
      const int k = ms.perm[ms.node(jn, i)];
      if (k >= 0) lam[k] = q[ms.node(jn, i)];
    }
  fac.solve(lam.data());
  std::vector<cplx>& L = ws.L;
  L.assign(U.size(), 0.0);
  for (int jn = 0; jn < ny; ++jn)
    for (int i = 0; i < nr; ++i) {
      const int k = ms.perm[ms.node(jn, i)];
      if (k >= 0) L[ms.node(jn, i)] = lam[k];
    }
  // g_D = q_D - (A lambda)_D on the side columns; element terms -Re(lambda^T dA_e U_e).
  std::vector<cplx>&gL = ws.gL, &gR = ws.gR;
  gL.assign(nr, 0.0);
  gR.assign(nr, 0.0);
  for (int i = 0; i < nr; ++i) {
    gL[i] = q[ms.node(0, i)];
    gR[i] = q[ms.node(ny - 1, i)];
  }
  for (int j = 0; j < ncy; ++j)
    for (int i = 0; i < ncz; ++i) {
      cplx a, c, beta;
      int er;
      ms.coeffs(rho, omega, j, i, a, c, beta, er);
      const bool side = (j == 0 || j == ncy - 1);
      if (side) {
        local_matrix(ms.hy[j], ms.hz[i], a, c, beta, loc);
        for (int p = 0; p < 4; ++p) {
          const int jp = j + (p & 1);
          if (jp != 0 && jp != ny - 1) continue;
          cplx acc = 0.0;
          for (int qq = 0; qq < 4; ++qq) acc += loc[p * 4 + qq] * L[ms.node(j + (qq & 1), i + (qq >> 1))];
          (jp == 0 ? gL : gR)[i + (p >> 1)] -= acc;
        }
      }
      if (er < 0) continue;
      cplx da, dc, db;
      ms.dcoeffs(a, c, beta, da, dc, db);
      local_matrix(ms.hy[j], ms.hz[i], da, dc, db, loc);
      cplx acc = 0.0;
      for (int p = 0; p < 4; ++p) {
        const cplx lp = L[ms.node(j + (p & 1), i + (p >> 1))];
        if (lp == cplx(0.0)) continue;
        for (int qq = 0; qq < 4; ++qq)
          acc += lp * loc[p * 4 + qq] * U[ms.node(j + (qq & 1), i + (qq >> 1))];
      }
      out.grad[static_cast<std::size_t>(er) * ncy + j] -= acc.real();
    }
  // Side columns: u_D = 1-D FE solution, g_D^T du = -mu^T dA1 u with A1 mu = g_D (rows 1..).
  for (int side = 0; side < 2; ++side) {
    const int jc = side == 0 ? 0 : ncy - 1;
    const std::vector<cplx>& u1 = side == 0 ? uL : uR;
    std::vector<cplx>& mu = ws.mu;
    mu.assign((side == 0 ? gL : gR).begin() + 1, (side == 0 ? gL : gR).end());
    tridiag_solve(side == 0 ? dL : dR, side == 0 ? eL : eR, mu.data(), ws.tri);
    cplx l2[4];
    for (int i = 0; i < nr - 1; ++i) {
      cplx a, c, beta, da, dc, db;
      int er;
      ms.coeffs(rho, omega, jc, i, a, c, beta, er);
      if (er < 0) continue;
      ms.dcoeffs(a, c, beta, da, dc, db);
      local_matrix_1d(ms.hz[i], da, dc, db, l2);
      const cplx m0 = (i == 0) ? cplx(0.0) : mu[i - 1];
      const cplx m1 = mu[i];
      const cplx acc = m0 * (l2[0] * u1[i] + l2[1] * u1[i + 1]) +
                       m1 * (l2[2] * u1[i] + l2[3] * u1[i + 1]);
      out.grad[static_cast<std::size_t>(er) * ncy + jc] -= acc.real();
    }
  }
}

void Mt2dProblem::forward(const double* rho, const double* freq, int n_freq, cplx* Z_te,
                          cplx* Z_tm, long n_threads) const {
  misfit_gradient(rho, freq, n_freq, nullptr, nullptr, nullptr, Z_te, Z_tm, n_threads);
}

double Mt2dProblem::misfit_gradient(const double* rho, const double* freq, int n_freq,
                                    const double* obs, const double* w, double* grad,
                                    cplx* Z_te, cplx* Z_tm, long n_threads) const {
  const int ncy = n_cells_y(), ncz = n_cells_z();
  for (int k = 0; k < ncy * ncz; ++k)
    if (!(rho[k] > 0.0) || !std::isfinite(rho[k]))
      throw_invalid("resistivity must be positive and finite; found ", rho[k], " at cell (",
                    k / ncy, ", ", k % ncy, ")");
  for (int f = 0; f < n_freq; ++f)
    if (!(freq[f] > 0.0) || !std::isfinite(freq[f]))
      throw_invalid("frequencies must be positive and finite; found ", freq[f], " at index ", f);
  const std::size_t n_items = 2 * static_cast<std::size_t>(n_freq);
  const std::size_t n_workers = resolve_threads(n_threads, n_items);
  // One workspace, and so at most one live factor, per worker. Items run all TE frequencies
  // first, then all TM ones, so a worker rebuilds its factor about once per call.
  std::vector<Workspace> work(n_workers);
  const std::size_t ns = st_.size();
  const bool want_grad = obs != nullptr;
  std::vector<ItemResult> results(want_grad ? n_items : 0);
  parallel_for(n_items, static_cast<long>(n_workers), [&](std::size_t item, std::size_t wk) {
    const int mode = item < static_cast<std::size_t>(n_freq) ? 0 : 1;
    const int f = static_cast<int>(item - static_cast<std::size_t>(mode) * n_freq);
    const ModeSystem& ms = mode == 0 ? *te_ : *tm_;
    Workspace& ws = work[wk];
    // Results are stored per (frequency, mode) so that the reduction order below is fixed.
    ItemResult& res = want_grad ? results[2 * static_cast<std::size_t>(f) + mode] : ws.local;
    const std::size_t off = (static_cast<std::size_t>(mode) * n_freq + f) * ns * 2;
    solve_item(ms, st_j_, st_t_, rho, 2 * pi * freq[f], ws, want_grad ? obs + off : nullptr,
               want_grad ? w + off : nullptr, res, ncz);
    cplx* Zout = (mode == 0 ? Z_te : Z_tm) + static_cast<std::size_t>(f) * ns;
    for (std::size_t s = 0; s < ns; ++s) Zout[s] = res.Z[s];
  });
  if (!want_grad) return 0.0;
  // Deterministic reduction in item order: results do not depend on the thread count.
  double misfit = 0.0;
  std::fill(grad, grad + static_cast<std::size_t>(ncy) * ncz, 0.0);
  for (std::size_t it = 0; it < n_items; ++it) {
    misfit += results[it].misfit;
    if (results[it].grad.empty()) {
      misfit = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    for (std::size_t k = 0; k < results[it].grad.size(); ++k) grad[k] += results[it].grad[k];
  }
  return misfit;
}

void Mt2dProblem::forward_batch(const Mt2dBand* bands, int n_bands, const double* rho,
                                std::size_t n_models, std::size_t n_model_cells, int n_freq_out,
                                cplx* Z_te, cplx* Z_tm, long n_threads) {
  if (n_bands < 1) throw_invalid("a batched forward run needs at least one mesh");
  if (n_models < 1) throw_invalid("resistivity must hold at least one model");
  if (n_freq_out < 1) throw_invalid("the number of output frequencies must be >= 1");
  for (int b = 0; b < n_bands; ++b)
    if (bands[b].problem == nullptr) throw_invalid("mesh ", b, " has no problem");
  const std::size_t ns = bands[0].problem->st_.size();
  // Item layout: mesh by mesh, then mode, model, frequency (first[b] is mesh b's first item).
  std::vector<std::size_t> first(static_cast<std::size_t>(n_bands) + 1, 0);
  std::vector<char> served(static_cast<std::size_t>(n_freq_out), 0);
  for (int b = 0; b < n_bands; ++b) {
    const Mt2dBand& bd = bands[b];
    const Mt2dProblem& p = *bd.problem;
    if (p.st_.size() != ns)
      throw_invalid("all meshes must have the same stations; mesh ", b, " has ", p.st_.size(),
                    ", mesh 0 has ", ns);
    const std::size_t nc = static_cast<std::size_t>(p.n_cells_y()) * p.n_cells_z();
    for (std::size_t k = 0; k < nc; ++k) {
      const std::int64_t c = bd.cell_map[k];
      if (c < 0 || static_cast<std::size_t>(c) >= n_model_cells)
        throw_invalid("cell_map of mesh ", b, " points earth cell ", k, " at model cell ", c,
                      ", outside [0, ", n_model_cells, ")");
    }
    if (bd.n_freq < 0) throw_invalid("mesh ", b, " has a negative number of frequencies");
    for (int f = 0; f < bd.n_freq; ++f) {
      if (!(bd.freq[f] > 0.0) || !std::isfinite(bd.freq[f]))
        throw_invalid("frequencies must be positive and finite; found ", bd.freq[f],
                      " at index ", f, " of mesh ", b);
      const int row = bd.freq_row[f];
      if (row < 0 || row >= n_freq_out)
        throw_invalid("frequency row ", row, " of mesh ", b, " is outside [0, ", n_freq_out, ")");
      if (served[row]++) throw_invalid("frequency row ", row, " is served by two meshes");
    }
    first[b + 1] = first[b] + 2 * n_models * static_cast<std::size_t>(bd.n_freq);
  }
  for (std::size_t m = 0; m < n_models; ++m)
    for (std::size_t k = 0; k < n_model_cells; ++k) {
      const double v = rho[m * n_model_cells + k];
      if (!(v > 0.0) || !std::isfinite(v))
        throw_invalid("resistivity must be positive and finite; found ", v, " at model ", m,
                      ", cell ", k);
    }
  const std::size_t n_out = n_models * static_cast<std::size_t>(n_freq_out) * ns;
  const cplx nan(std::numeric_limits<double>::quiet_NaN(), 0.0);
  std::fill(Z_te, Z_te + n_out, nan);
  std::fill(Z_tm, Z_tm + n_out, nan);
  const std::size_t n_items = first.back();
  if (n_items == 0) return;
  const std::size_t n_workers = resolve_threads(n_threads, n_items);
  std::vector<Workspace> work(n_workers);
  parallel_for(n_items, static_cast<long>(n_workers), [&](std::size_t item, std::size_t wk) {
    const int b = static_cast<int>(std::upper_bound(first.begin(), first.end(), item) -
                                   first.begin()) - 1;
    const Mt2dBand& bd = bands[b];
    const Mt2dProblem& p = *bd.problem;
    const std::size_t nf = static_cast<std::size_t>(bd.n_freq);
    std::size_t r = item - first[b];
    const int mode = r < n_models * nf ? 0 : 1;
    r -= static_cast<std::size_t>(mode) * n_models * nf;
    const std::size_t m = r / nf;
    const int f = static_cast<int>(r % nf);
    Workspace& ws = work[wk];
    if (ws.rho_band != b || ws.rho_model != m) {
      const std::size_t nc = static_cast<std::size_t>(p.n_cells_y()) * p.n_cells_z();
      ws.rho_mesh.resize(nc);
      const double* rm = rho + m * n_model_cells;
      for (std::size_t k = 0; k < nc; ++k) ws.rho_mesh[k] = rm[bd.cell_map[k]];
      ws.rho_band = b;
      ws.rho_model = m;
    }
    solve_item(mode == 0 ? *p.te_ : *p.tm_, p.st_j_, p.st_t_, ws.rho_mesh.data(),
               2 * pi * bd.freq[f], ws, nullptr, nullptr, ws.local, p.n_cells_z());
    cplx* Zout = (mode == 0 ? Z_te : Z_tm) +
                 (m * static_cast<std::size_t>(n_freq_out) + bd.freq_row[f]) * ns;
    for (std::size_t s = 0; s < ns; ++s) Zout[s] = ws.local.Z[s];
  });
}

}  // namespace geoinvert::mt
