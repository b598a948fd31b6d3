// Winograd F(2x2, 3x3) convolution (see conv_winograd.h for the scheme).
//
// Per call: the weights are transformed (in double, rounded once to float) and packed into
// the micro-kernel's A panels, one set per xi. Then the output tiles, numbered across
// images row by row, are cut into blocks of whole micro-kernel panels; a task owns a block:
//   1. for each tile row segment of the block and each input channel, the four padded
//      input rows are split into even and odd columns and transformed (16 values a tile),
//      and the values are copied into the block's B panels (V[xi]: C_in rows of tiles);
//   2. M[xi] = U[xi] * V[xi] for the 16 xi, depth block by depth block (each weight block
//      stays in L2 while the block's panels pass);
//   3. for each output channel and segment, y = A^T M A + bias, written in place.
// Every output element is computed by the same operations in the same order whatever the
// block it falls in (the micro-kernel's lanes are independent), so the bits do not depend
// on the cut or the number of threads.
#include "ops/kernels/conv_winograd.h"
#include "ops/kernels/fixed_tasks.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "ops/kernels/conv_im2col.h"
#include "ops/kernels/gemm.h"
#include "ops/kernels/conv_im2col_simd.h"
#include "ops/kernels/conv_winograd_simd.h"

namespace tg::kernels {

namespace winograd_simd {
// The x86-64 baseline needs no extra flags, so this unit compiles it.
const Kernels& sse2_kernels() {
  static const Kernels kernels = impl::kernels<xsimd::sse2>();
  return kernels;
}
}  // namespace winograd_simd

namespace {

using conv_detail::ScratchLease;
using im2col_simd::KernelSet;
using im2col_simd::TileArgs;

struct WeightsTag {};
struct PanelsTag {};
struct ProductsTag {};
struct RowsTag {};
struct GradInputsTag {};
struct GradOutputsTag {};
struct GradSumsTag {};

struct Isa {
  const winograd_simd::Kernels* transforms;
  const KernelSet<float>* gemm;
};

const Isa& isa() {
  static const Isa chosen = [] {
    const auto available = xsimd::available_architectures();
    if (available.avx512bw)
      return Isa{&winograd_simd::avx512_kernels(), &im2col_simd::avx512_kernels().f32};
    if (available.fma3_avx2)
      return Isa{&winograd_simd::avx2_kernels(), &im2col_simd::avx2_kernels().f32};
    return Isa{&winograd_simd::sse2_kernels(), &im2col_simd::sse2_kernels().f32};
  }();
  return chosen;
}

// A B panel (depth x nr) stays in L1 while the weight panels stream past it.
constexpr int64_t kPanelBytes = int64_t{32} << 10;
// A task's transformed inputs and products for one xi ((C_in + C_out) floats per tile) stay
// in L2 while that xi's weights stream past them: the fewer blocks, the fewer times the
// weights (16 * C_in * C_out) are read.
constexpr int64_t kBlockBytes = int64_t{512} << 10;
// Beyond this, the weights or a task's buffers are too big for scratch memory.
constexpr int64_t kMaxScratchBytes = int64_t{64} << 20;

using tasks::ceil_div;
using tasks::chunk_begin;
using tasks::run_tasks;
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }


struct Plan {
  int64_t C, K, H, W, OH, OW, ph, pw;
  int64_t tiles_h, tiles_w, tiles;  // tiles = batch * tiles_h * tiles_w
  int64_t block, blocks;            // tiles per block (a multiple of the lanes), block count
  int64_t depth, depth_blocks;      // the C_in blocks of the products
  int64_t widest_segment;           // most tiles of one tile row inside one block
  int nr, mr, lanes;

  int64_t depth_size(int64_t p) const { return std::min(depth, C - p * depth); }
};

Plan make_plan(const ConvGeometry& g, const KernelSet<float>& ks) {
  Plan p;
  p.C = g.in_channels;
  p.K = g.out_channels;
  p.H = g.in[1];
  p.W = g.in[2];
  p.OH = g.out[1];
  p.OW = g.out[2];
  p.ph = g.pad[1];
  p.pw = g.pad[2];
  p.tiles_h = ceil_div(p.OH, 2);
  p.tiles_w = ceil_div(p.OW, 2);
  p.tiles = g.batch * p.tiles_h * p.tiles_w;
  p.nr = ks.nr;
  p.mr = ks.mr;
  p.lanes = ks.lanes;
  const int64_t per_tile = (p.C + p.K) * int64_t{sizeof(float)};
  const int64_t block = std::max<int64_t>(p.nr, kBlockBytes / per_tile / p.nr * p.nr);
  int64_t blocks = ceil_div(p.tiles, block);
  // At least two blocks when there are enough tiles, and a few blocks in an even count, so
  // that two threads get equal shares.
  if (blocks == 1 && p.tiles >= 2 * p.nr) blocks = 2;
  if (blocks > 1 && blocks < 8 && blocks % 2 == 1) ++blocks;
  p.block = round_up(ceil_div(p.tiles, blocks), p.lanes);
  p.blocks = ceil_div(p.tiles, p.block);
  p.depth = std::max<int64_t>(8, kPanelBytes / (p.nr * int64_t{sizeof(float)}));
  p.depth_blocks = ceil_div(p.C, p.depth);
  p.depth = ceil_div(p.C, p.depth_blocks);
  p.widest_segment = std::min(p.block, p.tiles_w);
  return p;
}

// Transformed weights of every xi packed as the micro-kernel's A panels: xi's K x C matrix
// starts at xi * K * C; its depth block p at p * depth * K; the panel of rows [i, i + R)
// (R = min(mr, K - i)) at i * depth_size(p) within it, element (c, r) at c * R + r.
// tap(k, c, a, b) is the weight of output channel k, input channel c, tap (a, b).
// U = G w G^T, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], is computed for the R rows of
// a panel at once (the R values of one (xi, c) are contiguous in the panel).
template <class Tap>
void pack_transformed_weights(const Plan& p, const Tap& tap, float* packed) {
  constexpr int kRows = im2col_simd::kMaxRows;
  const int64_t K = p.K, C = p.C;
  run_tasks(ceil_div(K, p.mr), [&](int64_t panel) {
    const int64_t i = panel * p.mr, rows = std::min<int64_t>(p.mr, K - i);
    float w[3][3][kRows] = {};
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t r = 0; r < rows; ++r)
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b) w[a][b][r] = tap(i + r, c, a, b);
      float gw[4][3][kRows];
      for (int j = 0; j < 3; ++j)
        for (int r = 0; r < kRows; ++r) {
          gw[0][j][r] = w[0][j][r];
          gw[1][j][r] = 0.5f * (w[0][j][r] + w[1][j][r] + w[2][j][r]);
          gw[2][j][r] = 0.5f * (w[0][j][r] - w[1][j][r] + w[2][j][r]);
          gw[3][j][r] = w[2][j][r];
        }
      float u[16][kRows];
      for (int a = 0; a < 4; ++a)
        for (int r = 0; r < kRows; ++r) {
          u[4 * a + 0][r] = gw[a][0][r];
          u[4 * a + 1][r] = 0.5f * (gw[a][0][r] + gw[a][1][r] + gw[a][2][r]);
          u[4 * a + 2][r] = 0.5f * (gw[a][0][r] - gw[a][1][r] + gw[a][2][r]);
          u[4 * a + 3][r] = gw[a][2][r];
        }
      const int64_t block = c / p.depth, c0 = block * p.depth;
      float* dst = packed + c0 * K + i * p.depth_size(block) + (c - c0) * rows;
      if (rows == kRows) {  // (a fixed size: the copies are a few stores)
        for (int xi = 0; xi < 16; ++xi) std::memcpy(dst + xi * K * C, u[xi], sizeof(u[xi]));
      } else {
        for (int xi = 0; xi < 16; ++xi)
          std::memcpy(dst + xi * K * C, u[xi], rows * sizeof(float));
      }
    }
  });
}

// One task: the tiles [t0, t1) of the plan.
void run_block(const Plan& p, const Isa& ks, const float* x, const float* u, const float* bias,
               float* y, int64_t t0, int64_t t1) {
  const int64_t C = p.C, K = p.K, lanes = p.lanes;
  const int64_t nt = t1 - t0, ntp = round_up(nt, lanes);
  // Panels of equal width (at most the micro-kernel's nr): two of 32 columns run faster
  // than one of 48 and one of 16.
  const int64_t nr = round_up(ceil_div(nt, ceil_div(nt, int64_t{p.nr})), lanes);
  const int64_t panels = ceil_div(nt, nr);
  auto panel_width = [&](int64_t q) { return round_up(std::min(nr, nt - q * nr), lanes); };

  ScratchLease<float, PanelsTag> panels_lease(16 * C * ntp);
  ScratchLease<float, ProductsTag> products_lease(16 * K * ntp + lanes);
  float* v = panels_lease.data();
  float* m = products_lease.data();
  // The last panel's padding columns and the products' tail are read but never used:
  // keep them finite.
  const int64_t last = panels - 1, last_cols = nt - last * nr, last_width = panel_width(last);
  if (last_cols < last_width)
    for (int64_t row = 0; row < 16 * C; ++row)
      std::fill_n(v + (row / C) * C * ntp + last * nr * C + (row % C) * last_width + last_cols,
                  last_width - last_cols, 0.0f);
  std::fill_n(m + 16 * K * ntp, lanes, 0.0f);

  // Row buffers: the even/odd halves of four input rows, a zero row, and the input
  // transform's values of one segment.
  const int64_t seg = p.widest_segment, ld = round_up(seg, lanes) + lanes;
  ScratchLease<float, RowsTag> rows_lease(25 * ld);
  float* halves = rows_lease.data();  // slot i: even at halves + 2i*ld, odd at + (2i+1)*ld
  float* zeros = halves + 8 * ld;
  float* out = zeros + ld;            // 16 rows of ld
  std::fill_n(halves, 9 * ld, 0.0f);

  // Segments: the parts of tile rows inside the block.
  auto for_each_segment = [&](const auto& body) {
    for (int64_t t = t0; t < t1;) {
      const int64_t row = t / p.tiles_w, a = t % p.tiles_w;
      const int64_t b = std::min(p.tiles_w, a + (t1 - t));
      body(row / p.tiles_h, row % p.tiles_h, a, b, t - t0);
      t += b - a;
    }
  };

  // 1. Input transform into the B panels: straight into them when the segment's whole
  // vectors fit in its panel row (what they write past the segment's end lands on columns
  // of later segments, written afterwards, or on padding), through `out` otherwise.
  // Channel by channel, so that the two input rows a tile row shares with the next are
  // split once: four slots hold split rows, keyed by (input row, image, first tile, tiles).
  struct SlotKey {
    int64_t ih, n, a, s;
    bool operator==(const SlotKey& o) const {
      return ih == o.ih && n == o.n && a == o.a && s == o.s;
    }
  };
  for (int64_t c = 0; c < C; ++c) {
    SlotKey keys[4] = {{-1, -1, -1, -1}, {-1, -1, -1, -1}, {-1, -1, -1, -1}, {-1, -1, -1, -1}};
    for_each_segment([&](int64_t n, int64_t th, int64_t a, int64_t b, int64_t col0) {
      const int64_t s = b - a, first = 2 * a - p.pw;  // first: input column of even[0]
      const int64_t q = col0 / nr, within = col0 % nr, width = panel_width(q);
      const float* plane = x + (n * C + c) * p.H * p.W;
      const float* even[4];
      const float* odd[4];
      int slot_of[4] = {-1, -1, -1, -1};
      bool taken[4] = {false, false, false, false};
      for (int i = 0; i < 4; ++i) {
        const int64_t ih = 2 * th - p.ph + i;
        if (ih < 0 || ih >= p.H) continue;
        for (int slot = 0; slot < 4; ++slot)
          if (!taken[slot] && keys[slot] == SlotKey{ih, n, a, s}) {
            slot_of[i] = slot;
            taken[slot] = true;
            break;
          }
      }
      for (int i = 0; i < 4; ++i) {
        const int64_t ih = 2 * th - p.ph + i;
        if (ih < 0 || ih >= p.H) {
          even[i] = odd[i] = zeros;
          continue;
        }
        if (c + 1 < C && (i >= 2 || th == 0)) {  // the next channel's rows: fetch them now
          const float* next = plane + p.H * p.W + ih * p.W;
          const int64_t lo = std::clamp<int64_t>(first, 0, p.W);
          const int64_t hi = std::clamp<int64_t>(first + 2 * s + 2, 0, p.W);
          for (int64_t e = lo; e < hi; e += 16) __builtin_prefetch(next + e);
        }
        if (slot_of[i] < 0) {
          int slot = 0;
          while (taken[slot]) ++slot;
          taken[slot] = true;
          slot_of[i] = slot;
          keys[slot] = {ih, n, a, s};
          ks.transforms->split_row(plane + ih * p.W, first, p.W, s + 1, halves + 2 * slot * ld,
                                   halves + (2 * slot + 1) * ld);
        }
        even[i] = halves + 2 * slot_of[i] * ld;
        odd[i] = even[i] + ld;
      }
      if (within + round_up(s, lanes) <= width) {
        ks.transforms->input_row(even, odd, s, v + q * nr * C + c * width + within, C * ntp);
        return;
      }
      ks.transforms->input_row(even, odd, s, out, ld);
      for (int xi = 0; xi < 16; ++xi) {
        const float* src = out + xi * ld;
        for (int64_t k = 0; k < s;) {
          const int64_t col = col0 + k, pq = col / nr, pwithin = col % nr;
          const int64_t count = std::min(s - k, nr - pwithin);
          std::memcpy(v + xi * C * ntp + pq * nr * C + c * panel_width(pq) + pwithin, src + k,
                      count * sizeof(float));
          k += count;
        }
      }
    });
  }

  // 2. M[xi] = U[xi] * V[xi].
  const KernelSet<float>& gemm = *ks.gemm;
  for (int xi = 0; xi < 16; ++xi) {
    const float* uxi = u + xi * K * C;
    for (int64_t pb = 0; pb < p.depth_blocks; ++pb) {
      const int64_t k0 = pb * p.depth, kc = p.depth_size(pb);
      for (int64_t q = 0; q < panels; ++q) {
        const int64_t width = panel_width(q);
        const float* bp = v + xi * C * ntp + q * nr * C + k0 * width;
        for (int64_t i = 0; i < K; i += p.mr) {
          const int64_t rows = std::min<int64_t>(p.mr, K - i);
          gemm.tile[rows - 1][width / lanes - 1](TileArgs<float>{
              kc, uxi + k0 * K + i * kc, 0, bp, m + xi * K * ntp + i * ntp + q * nr, ntp, width,
              nullptr, pb > 0});
        }
      }
    }
  }

  // 3. Output transform.
  for (int64_t k = 0; k < K; ++k) {
    const float b = bias ? bias[k] : 0.0f;
    for_each_segment([&](int64_t n, int64_t th, int64_t a, int64_t bb, int64_t col0) {
      float* y0 = y + ((n * K + k) * p.OH + 2 * th) * p.OW + 2 * a;
      float* y1 = 2 * th + 1 < p.OH ? y0 + p.OW : nullptr;
      const int64_t width = std::min(2 * (bb - a), p.OW - 2 * a);
      ks.transforms->output_row(m + k * ntp + col0, K * ntp, bb - a, b, y0, y1, width);
    });
  }
}

template <class Tap>
void run(const ConvGeometry& g, const float* x, const Tap& tap, const float* bias, float* y) {
  const Isa& ks = isa();
  const Plan p = make_plan(g, *ks.gemm);
  ScratchLease<float, WeightsTag> weights(16 * p.K * p.C);
  pack_transformed_weights(p, tap, weights.data());
  run_tasks(p.blocks, [&](int64_t b) {
    const int64_t t0 = b * p.block, t1 = std::min(p.tiles, t0 + p.block);
    run_block(p, ks, x, weights.data(), bias, y, t0, t1);
  });
}

// The input gradient of g as a forward convolution of gy (see conv_winograd_input_grad_applies).
ConvGeometry input_grad_as_forward(const ConvGeometry& g) {
  ConvGeometry t = g;
  t.in_channels = g.out_channels;
  t.out_channels = g.in_channels;
  t.in = g.out;
  t.out = g.in;
  for (int d = 1; d < 3; ++d) t.pad[d] = 2 - g.pad[d];
  return t;
}

// ------------------------------------------------------------------ weight gradient
//
// dL/dw = G^T [ sum over tiles of (A gy A^T) . (B^T d B) ] G, elementwise per xi: the sum is
// S[xi] = Y'[xi] V[xi]^T, [C_out x tiles] x [tiles x C_in], accumulated over chunks of tiles
// in chunk order by the GEMM (gemm.h, itself deterministic), then transformed back.
// Per chunk, tasks over parts of its tiles write V and Y' rows (tiles contiguous).

// Tiles per chunk: V and Y' of a chunk take about kChunkBytes.
constexpr int64_t kChunkBytes = int64_t{8} << 20;
constexpr int64_t kChunkParts = 6;

void weight_grad(const ConvGeometry& g, const float* x, const float* gy, float* gw) {
  const Isa& ks = isa();
  const Plan p = make_plan(g, *ks.gemm);
  const int64_t C = p.C, K = p.K, lanes = p.lanes;
  const int64_t OHW = p.OH * p.OW;
  const int64_t chunk = std::max<int64_t>(
      64, round_up(kChunkBytes / (16 * (C + K) * int64_t{sizeof(float)}), lanes));
  const int64_t chunks = ceil_div(p.tiles, chunk);
  // Rows of tiles (padded, plus slack), xi matrices one after the other.
  const int64_t ld = round_up(std::min(chunk, p.tiles), lanes) + lanes;
  ScratchLease<float, GradInputsTag> inputs(16 * C * ld);
  ScratchLease<float, GradOutputsTag> outputs(16 * K * ld);
  ScratchLease<float, GradSumsTag> sums(16 * K * C);
  float* v = inputs.data();
  float* yt = outputs.data();
  float* sum = sums.data();

  for (int64_t ch = 0; ch < chunks; ++ch) {
    const int64_t t0 = ch * chunk, t1 = std::min(p.tiles, t0 + chunk), nt = t1 - t0;
    const int64_t parts = std::min<int64_t>(kChunkParts, ceil_div(nt, lanes));
    run_tasks(parts, [&](int64_t part) {
      const int64_t u0 = t0 + chunk_begin(part, nt, parts), u1 = t0 + chunk_begin(part + 1, nt, parts);
      const int64_t seg = std::min(u1 - u0, p.tiles_w), rl = round_up(seg, lanes) + lanes;
      ScratchLease<float, RowsTag> rows_lease(25 * rl);
      float* halves = rows_lease.data();
      float* zeros = halves + 8 * rl;
      float* out = zeros + rl;  // 16 rows of rl
      std::fill_n(halves, 9 * rl, 0.0f);
      auto copy_out = [&](float* dst, int64_t rows_per_xi, int64_t row, int64_t col0, int64_t s) {
        for (int xi = 0; xi < 16; ++xi)
          std::memcpy(dst + (xi * rows_per_xi + row) * ld + col0, out + xi * rl,
                      s * sizeof(float));
      };
      // Segments: the parts of tile rows inside [u0, u1).
      auto for_each_segment = [&](const auto& body) {
        for (int64_t t = u0; t < u1;) {
          const int64_t row = t / p.tiles_w, a = t % p.tiles_w;
          const int64_t b = std::min(p.tiles_w, a + (u1 - t));
          body(row / p.tiles_h, row % p.tiles_h, a, b - a, t - t0);
          t += b - a;
        }
      };
      // Channel by channel (each plane read front to back, the next one prefetched).
      auto prefetch = [](const float* row, int64_t lo, int64_t hi, int64_t width) {
        for (int64_t e = std::max<int64_t>(lo, 0); e < std::min(hi, width); e += 16)
          __builtin_prefetch(row + e);
      };
      // Output gradient tiles: rows 2th, 2th + 1 of every output channel.
      for (int64_t k = 0; k < K; ++k) {
        for_each_segment([&](int64_t n, int64_t th, int64_t a, int64_t s, int64_t col0) {
          const float* plane = gy + (n * K + k) * OHW;
          const float* even[2];
          const float* odd[2];
          for (int r = 0; r < 2; ++r) {
            const int64_t oh = 2 * th + r;
            if (oh >= p.OH) {
              even[r] = odd[r] = zeros;
              continue;
            }
            if (k + 1 < K) prefetch(plane + OHW + oh * p.OW, 2 * a, 2 * (a + s), p.OW);
            float* e = halves + 2 * r * rl;
            ks.transforms->split_row(plane + oh * p.OW, 2 * a, p.OW, s, e, e + rl);
            even[r] = e;
            odd[r] = e + rl;
          }
          ks.transforms->grad_row(even, odd, s, out, rl);
          copy_out(yt, K, k, col0, s);
        });
      }
      // Input tiles, as in the forward: the two rows a tile row shares with the next are
      // split once (four slots keyed by input row, image, first tile and tiles).
      for (int64_t c = 0; c < C; ++c) {
        int64_t keys[4][4];
        for (auto& key : keys) key[0] = -1;
        for_each_segment([&](int64_t n, int64_t th, int64_t a, int64_t s, int64_t col0) {
          const float* plane = x + (n * C + c) * p.H * p.W;
          const int64_t first = 2 * a - p.pw;
          const float* even[4];
          const float* odd[4];
          int slot_of[4] = {-1, -1, -1, -1};
          bool taken[4] = {false, false, false, false};
          auto same = [&](int slot, int64_t ih) {
            return keys[slot][0] == ih && keys[slot][1] == n && keys[slot][2] == a &&
                   keys[slot][3] == s;
          };
          for (int i = 0; i < 4; ++i)
            for (int slot = 0; slot < 4; ++slot)
              if (!taken[slot] && same(slot, 2 * th - p.ph + i)) {
                slot_of[i] = slot;
                taken[slot] = true;
                break;
              }
          for (int i = 0; i < 4; ++i) {
            const int64_t ih = 2 * th - p.ph + i;
            if (ih < 0 || ih >= p.H) {
              even[i] = odd[i] = zeros;
              continue;
            }
            if (slot_of[i] < 0) {
              int slot = 0;
              while (taken[slot]) ++slot;
              taken[slot] = true;
              slot_of[i] = slot;
              keys[slot][0] = ih;
              keys[slot][1] = n;
              keys[slot][2] = a;
              keys[slot][3] = s;
              if (c + 1 < C) prefetch(plane + p.H * p.W + ih * p.W, first, first + 2 * s + 2, p.W);
              ks.transforms->split_row(plane + ih * p.W, first, p.W, s + 1,
                                       halves + 2 * slot * rl, halves + (2 * slot + 1) * rl);
            }
            even[i] = halves + 2 * slot_of[i] * rl;
            odd[i] = even[i] + rl;
          }
          ks.transforms->input_row(even, odd, s, out, rl);
          copy_out(v, C, c, col0, s);
        });
      }
    });
    // S[xi] (+)= Y'[xi] V[xi]^T over this chunk's tiles.
    for (int xi = 0; xi < 16; ++xi)
      gemm(false, true, K, C, nt, 1.0f, yt + xi * K * ld, ld, v + xi * C * ld, ld,
           ch == 0 ? 0.0f : 1.0f, sum + xi * K * C, C);
  }

  // gw = G^T S G per (k, c), vectorisable along c; tasks over output channels.
  run_tasks(std::min<int64_t>(K, 24), [&](int64_t part) {
    const int64_t k0 = chunk_begin(part, K, std::min<int64_t>(K, 24));
    const int64_t k1 = chunk_begin(part + 1, K, std::min<int64_t>(K, 24));
    std::vector<float> z(12 * C);  // (G^T S)[a][j] for every c
    for (int64_t k = k0; k < k1; ++k) {
      const float* sk = sum + k * C;
      auto at = [&](int xi) { return sk + xi * K * C; };
      for (int j = 0; j < 4; ++j) {
        const float *m0 = at(j), *m1 = at(4 + j), *m2 = at(8 + j), *m3 = at(12 + j);
        float* z0 = z.data() + (0 * 4 + j) * C;
        float* z1 = z.data() + (1 * 4 + j) * C;
        float* z2 = z.data() + (2 * 4 + j) * C;
        for (int64_t c = 0; c < C; ++c) {
          z0[c] = m0[c] + 0.5f * (m1[c] + m2[c]);
          z1[c] = 0.5f * (m1[c] - m2[c]);
          z2[c] = 0.5f * (m1[c] + m2[c]) + m3[c];
        }
      }
      for (int a = 0; a < 3; ++a) {
        const float* za = z.data() + a * 4 * C;
        const float *q0 = za, *q1 = za + C, *q2 = za + 2 * C, *q3 = za + 3 * C;
        for (int64_t c = 0; c < C; ++c) {
          float* out = gw + (k * C + c) * 9 + 3 * a;
          out[0] = q0[c] + 0.5f * (q1[c] + q2[c]);
          out[1] = 0.5f * (q1[c] - q2[c]);
          out[2] = 0.5f * (q1[c] + q2[c]) + q3[c];
        }
      }
    }
  });
}

}  // namespace

bool conv_winograd_applies(const ConvGeometry& g) {
  if (g.groups != 1 || g.in[0] != 1 || g.out[0] != 1 || g.pad[0] != 0) return false;
  if (g.kernel[0] != 1 || g.kernel[1] != 3 || g.kernel[2] != 3) return false;
  for (int d = 0; d < 3; ++d)
    if (g.stride[d] != 1 || g.dilation[d] != 1) return false;
  if (g.in_channels <= 0 || g.out_channels <= 0 || g.pad[1] < 0 || g.pad[2] < 0) return false;
  const double weights = 16.0 * g.in_channels * g.out_channels * sizeof(float);
  const double per_task = 16.0 * 64 * (g.in_channels + g.out_channels) * sizeof(float);
  const double row = 4.0 * (g.out[2] + 64) * 32;  // a tile row's buffers, generously
  return weights <= kMaxScratchBytes && per_task <= kMaxScratchBytes && row <= kMaxScratchBytes;
}

bool conv_winograd_input_grad_applies(const ConvGeometry& g) {
  return conv_winograd_applies(g) && g.pad[1] <= 2 && g.pad[2] <= 2 &&
         conv_winograd_applies(input_grad_as_forward(g));
}

void conv_forward_winograd(const ConvGeometry& g, const float* x, const float* w,
                           const float* bias, float* y) {
  const char* fn = "conv_forward_winograd";
  check_conv_geometry(fn, g);
  if (!conv_winograd_applies(g))
    throw std::invalid_argument(std::string(fn) +
                                ": needs a 2-d 3x3 kernel, stride 1, dilation 1, one group; got " +
                                conv_geometry_text(g));
  if (g.batch == 0) return;
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "w", w);
  check_conv_pointer(fn, "y", y);
  const int64_t C = g.in_channels;
  run(
      g, x,
      [&](int64_t k, int64_t c, int a, int b) { return double{w[(k * C + c) * 9 + 3 * a + b]}; },
      bias, y);
}

void conv_backward_input_winograd(const ConvGeometry& g, const float* gy, const float* w,
                                  float* gx) {
  const char* fn = "conv_backward_input_winograd";
  check_conv_geometry(fn, g);
  if (!conv_winograd_input_grad_applies(g))
    throw std::invalid_argument(std::string(fn) +
                                ": needs a 2-d 3x3 kernel, stride 1, dilation 1, one group, "
                                "padding at most 2; got " +
                                conv_geometry_text(g));
  if (g.batch == 0) return;
  check_conv_pointer(fn, "gy", gy);
  check_conv_pointer(fn, "w", w);
  check_conv_pointer(fn, "gx", gx);
  // Output channel k of the gradient is input channel k of g, its input channel c is g's
  // output channel c, and the kernel is flipped.
  const int64_t cin = g.in_channels;
  run(
      input_grad_as_forward(g), gy,
      [&](int64_t k, int64_t c, int a, int b) {
        return double{w[(c * cin + k) * 9 + 3 * (2 - a) + (2 - b)]};
      },
      static_cast<const float*>(nullptr), gx);
}

void conv_backward_weight_winograd(const ConvGeometry& g, const float* x, const float* gy,
                                   float* gw) {
  const char* fn = "conv_backward_weight_winograd";
  check_conv_geometry(fn, g);
  if (!conv_winograd_applies(g))
    throw std::invalid_argument(std::string(fn) +
                                ": needs a 2-d 3x3 kernel, stride 1, dilation 1, one group; got " +
                                conv_geometry_text(g));
  check_conv_pointer(fn, "gw", gw);
  if (g.batch == 0) {
    std::fill_n(gw, g.out_channels * g.in_channels * 9, 0.0f);
    return;
  }
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "gy", gy);
  weight_grad(g, x, gy, gw);
}

const char* conv_winograd_isa_name() { return isa().transforms->isa; }

}  // namespace tg::kernels
