// Convolution by im2col + GEMM (see conv_im2col.h for the scheme).
//
// Forward: the weights of every group are packed once per call into micro-kernel panels.
// A task owns a range of output rows of one (image, group): it copies the input rows
// those outputs read into a zero-padded region (split by stride phase along the width, so
// every tap row is a set of contiguous runs), then for each panel of nr output positions
// and each depth block it gathers the panel's columns from the region (the im2col, straight
// into the micro-kernel's layout) and runs the micro-kernel over all weight panels,
// writing y directly. The only buffers are the region and one panel.
//
// Input gradient: with stride 1 it is a forward convolution of gy with the flipped,
// transposed kernel, and runs as one. Otherwise cols = W^T gy per block of positions, and
// the columns are added back into a zero-padded region (the adjoint of the gather: runs of
// contiguous adds), which is then added into gx. A task owns a chunk of input channels of
// one (image, group) and runs its blocks in order, so every gx element has one writer.
//
// Weight gradient: gw += gy * cols^T over steps of a few hundred positions: the micro-kernel
// reads gy in place and a panel of cols rows gathered as above and transposed on the way
// (lanes x lanes blocks in registers). One task per (batch chunk, group, chunk of input
// channels), each batch chunk summing into its own copy of gw, the copies added in chunk
// order at the end.
//
// Every split is fixed by the geometry, never by the thread count, so results are bitwise
// identical for any number of threads.
#include "ops/kernels/conv_im2col.h"
#include "ops/kernels/fixed_tasks.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ops/kernels/conv_im2col_simd.h"

namespace tg::kernels {

namespace im2col_simd {
// The x86-64 baseline needs no extra flags, so this unit compiles it.
const Kernels& sse2_kernels() {
  static const Kernels kernels = impl::kernels<xsimd::sse2>();
  return kernels;
}
}  // namespace im2col_simd

namespace {

using conv_detail::ScratchLease;
using im2col_simd::KernelSet;
using im2col_simd::PackJob;
using im2col_simd::Run;
using im2col_simd::TileArgs;

struct RegionTag {};
struct PanelTag {};
struct RunsTag {};
struct OffsetsTag {};
struct BasesTag {};
struct PhaseSpanTag {};
struct ColsTag {};
struct PackedWeightsTag {};
struct PartialsTag {};
struct StageTag {};

const im2col_simd::Kernels& vector_kernels() {
  static const im2col_simd::Kernels* kernels = [] {
    const auto isa = xsimd::available_architectures();
    if (isa.avx512bw) return &im2col_simd::avx512_kernels();
    if (isa.fma3_avx2) return &im2col_simd::avx2_kernels();
    return &im2col_simd::sse2_kernels();
  }();
  return *kernels;
}

// A B panel (depth x nr) stays in L1 while the weight panels stream past it.
constexpr int64_t kPanelBytes = int64_t{32} << 10;
// The weight gradient's panel of transposed columns stays in L1 (tuned: 24 to 48 KiB
// tried, 40 best on the benchmark layers).
constexpr int64_t kTransposeBytes = int64_t{40} << 10;
// A task's padded input region stays in L2 (more row blocks when it would not).
constexpr int64_t kRegionBytes = int64_t{1} << 20;
// The strided input gradient's block of columns (cols = W^T gy) takes at most this much
// memory (it stays in L2 beside the region), unless kMinBlock columns are already larger.
constexpr int64_t kColsBudgetBytes = int64_t{384} << 10;
constexpr int64_t kMinBlock = 32;
// Tasks wanted per call: a multiple of 6 splits evenly over 2 or 3 threads.
constexpr int64_t kTargetTasks = 12;
// Batch chunks of the weight gradient (each one a copy of gw), and the memory they may use.
constexpr int64_t kMaxBatchChunks = 6;
constexpr int64_t kMaxPartialBytes = int64_t{16} << 20;
// Outputs beyond this size (far beyond the caches) are written with streaming stores.
constexpr int64_t kStreamBytes = int64_t{64} << 20;
// Beyond this, a thread-local buffer is not worth it (conv_im2col_fits).
constexpr int64_t kMaxScratchBytes = int64_t{64} << 20;

using tasks::ceil_div;
using tasks::chunk_begin;
using tasks::run_tasks;


// The cut of `positions` output positions into `count` blocks of `size` (the last one
// shorter), with rows * size elements near the budget.
struct Blocking {
  int64_t size, count;
  int64_t begin(int64_t b) const { return b * size; }
  int64_t length(int64_t b, int64_t positions) const {
    return std::min(size, positions - b * size);
  }
};

Blocking block_positions(int64_t positions, int64_t rows, int64_t element_bytes) {
  const int64_t widest = std::max(kMinBlock, kColsBudgetBytes / (rows * element_bytes) / 16 * 16);
  const int64_t count = ceil_div(positions, widest);
  const int64_t size = std::min(positions, ceil_div(ceil_div(positions, count), 16) * 16);
  return {size, ceil_div(positions, size)};
}

// ------------------------------------------------------------------ packed weights

// The depth (K) of the micro-kernel's products cut into equal blocks that keep a B panel
// of nr columns within kPanelBytes.
struct DepthBlocks {
  int64_t depth, count;
  int64_t begin(int64_t p) const { return p * depth; }
  int64_t size(int64_t p, int64_t K) const { return std::min(depth, K - p * depth); }
};

DepthBlocks depth_blocks(int64_t K, int64_t nr, int64_t element_bytes) {
  const int64_t widest = std::max<int64_t>(8, kPanelBytes / (nr * element_bytes));
  const int64_t count = ceil_div(K, widest);
  return {ceil_div(K, count), count};
}

// Packs the M x K matrix at(row, k) into micro-kernel panels: depth block p starts at
// begin(p) * M, and within it the panel of rows [i, i + R) (R = min(mr, M - i)) starts at
// i * size(p) with element (k, r) at k * R + r.
template <class T, class At>
void pack_weights(int64_t M, int64_t K, const DepthBlocks& blocks, int mr, const At& at, T* dst) {
  for (int64_t p = 0; p < blocks.count; ++p) {
    const int64_t k0 = blocks.begin(p), kc = blocks.size(p, K);
    for (int64_t i = 0; i < M; i += mr) {
      const int64_t rows = std::min<int64_t>(mr, M - i);
      T* panel = dst + k0 * M + i * kc;
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t r = 0; r < rows; ++r) panel[k * rows + r] = at(i + r, k0 + k);
    }
  }
}

template <class T>
const T* weight_panel(const T* packed, int64_t M, int64_t K, const DepthBlocks& blocks, int64_t p,
                      int64_t i) {
  return packed + blocks.begin(p) * M + i * blocks.size(p, K);
}

// Columns of a B panel holding n columns: whole vectors.
template <class T>
int64_t panel_width(const KernelSet<T>& ks, int64_t n) {
  return (n + ks.lanes - 1) / ks.lanes * ks.lanes;
}

// C[M, n] (+)= packed A * panel for one depth block, over all weight panels; the panel is
// panel_width(n) columns wide.
template <class T>
void multiply_panel(const KernelSet<T>& ks, const T* packed, int64_t M, int64_t K,
                    const DepthBlocks& blocks, int64_t p, const T* panel, T* c, int64_t ldc,
                    int64_t n, const T* row_init, bool stream = false) {
  const int64_t kc = blocks.size(p, K);
  const int64_t vectors = panel_width(ks, n) / ks.lanes;
  for (int64_t i = 0; i < M; i += ks.mr) {
    const int64_t rows = std::min<int64_t>(ks.mr, M - i);
    ks.tile[rows - 1][vectors - 1](TileArgs<T>{kc, weight_panel(packed, M, K, blocks, p, i), 0,
                                               panel, c + i * ldc, ldc, n,
                                               row_init && p == 0 ? row_init + i : nullptr, p > 0,
                                               stream && p == 0});
  }
}

// ------------------------------------------------------------------ input regions

// Rows [d0, d0 + rows_d) x [h0, h0 + rows_h) of the zero-padded input (padded coordinates:
// input index + pad), each row split by stride phase along the width: padded column w sits
// at (w % stride_w) * phase_len + w / stride_w. Channels are channel_stride() apart.
struct Region {
  int64_t d0, h0, rows_d, rows_h, phase_len, row_len;
  int64_t channel_stride() const { return rows_d * rows_h * row_len; }
};

// The region read by output rows [orow0, orow1) (rows flattened over (od, oh)).
Region region_for_rows(const ConvGeometry& g, int64_t orow0, int64_t orow1) {
  const int64_t OH = g.out[1];
  Region r;
  const int64_t od0 = orow0 / OH, od1 = (orow1 - 1) / OH;
  r.d0 = od0 * g.stride[0];
  r.rows_d = (od1 - od0) * g.stride[0] + (g.kernel[0] - 1) * g.dilation[0] + 1;
  if (od0 == od1) {
    const int64_t oh0 = orow0 % OH, oh1 = (orow1 - 1) % OH;
    r.h0 = oh0 * g.stride[1];
    r.rows_h = (oh1 - oh0) * g.stride[1] + (g.kernel[1] - 1) * g.dilation[1] + 1;
  } else {
    r.h0 = 0;
    r.rows_h = (g.out[1] - 1) * g.stride[1] + (g.kernel[1] - 1) * g.dilation[1] + 1;
  }
  const int64_t width = (g.out[2] - 1) * g.stride[2] + (g.kernel[2] - 1) * g.dilation[2] + 1;
  r.phase_len = ceil_div(width, g.stride[2]);
  r.row_len = g.stride[2] * r.phase_len;
  return r;
}

// No padding, stride 1 along the width, every tap inside the input: the input itself is a
// region and needs no copy.
bool reads_inside_input(const ConvGeometry& g) {
  if (g.stride[2] != 1) return false;
  for (int d = 0; d < 3; ++d) {
    if (g.pad[d] != 0) return false;
    if ((g.out[d] - 1) * g.stride[d] + (g.kernel[d] - 1) * g.dilation[d] >= g.in[d]) return false;
  }
  return true;
}

Region whole_input(const ConvGeometry& g) {
  return {0, 0, g.in[0], g.in[1], g.in[2], g.in[2]};
}

// Output rows cut into `blocks` equal blocks: at least `wanted`, more while the region of
// `channels` input planes a block reads exceeds kRegionBytes.
int64_t row_blocks(const ConvGeometry& g, int64_t channels, int64_t element_bytes, bool direct,
                   int64_t wanted) {
  const int64_t rows = g.out[0] * g.out[1];
  int64_t blocks = std::clamp<int64_t>(wanted, 1, rows);
  while (!direct && blocks < rows) {
    int64_t largest = 0;
    for (int64_t b = 0; b < blocks; ++b) {
      const Region r = region_for_rows(g, chunk_begin(b, rows, blocks),
                                       chunk_begin(b + 1, rows, blocks));
      largest = std::max(largest, r.channel_stride());
    }
    if (largest * channels * element_bytes <= kRegionBytes) break;
    blocks = std::min(rows, 2 * blocks);
  }
  return blocks;
}

// The phases of a region row: phase p holds input columns j * stride + p - pad, inside the
// input for j in [lo, hi).
class RowPhases {
 public:
  RowPhases(const ConvGeometry& g, const Region& r) : spans_(g.stride[2]) {
    const int64_t stride = g.stride[2];
    for (int64_t p = 0; p < stride; ++p) {
      const int64_t offset = p - g.pad[2];
      const int64_t lo = std::min(r.phase_len, offset >= 0 ? 0 : ceil_div(-offset, stride));
      const int64_t reach = g.in[2] - offset;
      const int64_t hi = std::clamp<int64_t>(reach <= 0 ? 0 : ceil_div(reach, stride), lo,
                                             r.phase_len);
      spans_.data()[p] = {lo, hi, offset};
    }
    layout_ = {stride, r.phase_len, spans_.data()};
  }
  const im2col_simd::RowLayout& layout() const { return layout_; }

 private:
  ScratchLease<im2col_simd::PhaseSpan, PhaseSpanTag> spans_;
  im2col_simd::RowLayout layout_;
};

// Calls inside(input offset, region row, count) for each run of consecutive region rows
// of `channels` input planes that lie inside the input, outside(region row, count) for the
// runs of rows that do not.
template <class T, class Inside, class Outside>
void for_region_rows(const ConvGeometry& g, const Region& r, int64_t channels, T* buf,
                     const Inside& inside, const Outside& outside) {
  const int64_t ID = g.in[0], IH = g.in[1], IW = g.in[2], Q = g.in_spatial();
  // Rows b of a slice with input row h0 + b - pad inside [0, IH).
  const int64_t b_lo = std::clamp<int64_t>(g.pad[1] - r.h0, 0, r.rows_h);
  const int64_t b_hi = std::clamp<int64_t>(IH + g.pad[1] - r.h0, b_lo, r.rows_h);
  T* slice = buf;
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t a = 0; a < r.rows_d; ++a, slice += r.rows_h * r.row_len) {
      const int64_t id = r.d0 + a - g.pad[0];
      if (id < 0 || id >= ID) {
        outside(slice, r.rows_h);
        continue;
      }
      outside(slice, b_lo);
      inside(c * Q + (id * IH + r.h0 + b_lo - g.pad[1]) * IW, slice + b_lo * r.row_len,
             b_hi - b_lo);
      outside(slice + b_hi * r.row_len, r.rows_h - b_hi);
    }
  }
}

// The region of `channels` input planes starting at x, zero-padded.
template <class T>
void fill_region(const KernelSet<T>& ks, const ConvGeometry& g, const Region& r, const T* x,
                 int64_t channels, T* buf) {
  const RowPhases phases(g, r);
  for_region_rows(
      g, r, channels, buf,
      [&](int64_t offset, T* rows, int64_t count) {
        ks.fill_rows(phases.layout(), x + offset, g.in[2], count, rows, r.row_len);
      },
      [&](T* rows, int64_t count) { std::fill(rows, rows + count * r.row_len, T(0)); });
}

// The adjoint: gx += the in-input elements of the region.
template <class T>
void add_region(const KernelSet<T>& ks, const ConvGeometry& g, const Region& r, T* buf,
                int64_t channels, T* gx) {
  const RowPhases phases(g, r);
  for_region_rows(
      g, r, channels, buf,
      [&](int64_t offset, T* rows, int64_t count) {
        ks.add_rows(phases.layout(), rows, r.row_len, count, gx + offset, g.in[2]);
      },
      [](T*, int64_t) {});
}

// Region offsets of the taps: kd and kh steps, and each kw (phase and shift).
void tap_offsets(const ConvGeometry& g, const Region& r, int64_t* kw_offset, int64_t* tap_step) {
  tap_step[0] = g.dilation[0] * r.rows_h * r.row_len;
  tap_step[1] = g.dilation[1] * r.row_len;
  for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
    const int64_t w = kw * g.dilation[2];
    kw_offset[kw] = w % g.stride[2] * r.phase_len + w / g.stride[2];
  }
}

// The runs of output positions [p0, p0 + n), one per output row they touch: destination
// column, and region offset of tap (0, 0, 0). Returns the number of runs (at most n).
int64_t make_runs(const ConvGeometry& g, const Region& r, int64_t p0, int64_t n, Run* runs) {
  const int64_t OH = g.out[1], OW = g.out[2];
  int64_t od = p0 / (OH * OW), oh = p0 / OW % OH, ow = p0 % OW;
  int64_t count = 0;
  for (int64_t j = 0; j < n;) {
    const int64_t len = std::min(OW - ow, n - j);
    runs[count++] = {j,
                     (od * g.stride[0] - r.d0) * r.rows_h * r.row_len +
                         (oh * g.stride[1] - r.h0) * r.row_len + ow,
                     len};
    j += len;
    ow = 0;
    if (++oh == OH) {
      oh = 0;
      ++od;
    }
  }
  return count;
}

// A region of `channels` input planes ready to gather columns from: the input itself when
// no padding is needed, else a padded copy in a thread-local buffer.
template <class T>
class Columns {
 public:
  Columns(const KernelSet<T>& ks, const ConvGeometry& g, const T* x, int64_t channels,
          int64_t orow0, int64_t orow1, bool direct)
      : g_(g),
        region_(direct ? whole_input(g) : region_for_rows(g, orow0, orow1)),
        buffer_(direct ? 0 : channels * region_.channel_stride() + kSlack),
        kw_offset_(g.kernel[2]) {
    source_ = x_ = x;
    if (!direct) {
      fill_region(ks, g, region_, x, channels, buffer_.data());
      std::fill_n(buffer_.data() + channels * region_.channel_stride(), kSlack, T(0));
      source_ = buffer_.data();
    }
    tap_offsets(g, region_, kw_offset_.data(), tap_step_);
  }

  // dst[(r - r0) * ld + j] = column p0 + j of row r for j < n, zero for n <= j < width.
  void gather(const KernelSet<T>& ks, int64_t r0, int64_t r1, const Run* runs, int64_t nruns,
              int64_t n, int64_t width, T* dst, int64_t ld) const {
    ScratchLease<const T*, BasesTag> bases(r1 - r0);
    ks.pack(PackJob<T>{source_,
                       region_.channel_stride(),
                       {g_.kernel[0], g_.kernel[1], g_.kernel[2]},
                       {tap_step_[0], tap_step_[1]},
                       kw_offset_.data(),
                       runs,
                       nruns,
                       r0,
                       r1,
                       dst,
                       ld,
                       bases.data(),
                       n,
                       width,
                       source_ != x_});
  }

  // dst[j * ld + (r - r0)] = column p0 + j of row r for j < n; zero for rows past r1 up to
  // ld (a multiple of the vector lanes).
  void gather_transposed(const KernelSet<T>& ks, int64_t r0, int64_t r1, const Run* runs,
                         int64_t nruns, int64_t n, T* dst, int64_t ld) const {
    ScratchLease<const T*, BasesTag> bases(r1 - r0);
    ks.pack_transposed(PackJob<T>{source_,
                                  region_.channel_stride(),
                                  {g_.kernel[0], g_.kernel[1], g_.kernel[2]},
                                  {tap_step_[0], tap_step_[1]},
                                  kw_offset_.data(),
                                  runs,
                                  nruns,
                                  r0,
                                  r1,
                                  dst,
                                  ld,
                                  bases.data(),
                                  n,
                                  n,
                                  false});
  }

  int64_t runs_for(int64_t p0, int64_t n, Run* runs) const {
    return make_runs(g_, region_, p0, n, runs);
  }

 private:
  const ConvGeometry& g_;
  Region region_;
  ScratchLease<T, RegionTag> buffer_;
  ScratchLease<int64_t, OffsetsTag> kw_offset_;
  int64_t tap_step_[2];
  const T* x_;
  const T* source_;
  // Elements after the region, so a vector may be read past any run.
  static constexpr int64_t kSlack = 64 / sizeof(T);
};

// ------------------------------------------------------------------ forward

// The forward of one group when an image's positions are not a whole number of panels
// (small outputs: 14 x 14 = 4 panels and 4 columns; 4 x 4 = a third of one): panels run on
// across image boundaries, so the only narrow panel is the last of a task, not the last of
// every image (on a 5x5 layer over 14 x 14 images the narrow tile took 10% of the time for
// 2% of the work). A task owns a fixed chunk of images; a panel that spans several images
// gathers a segment of columns from each and is computed into a staging tile, then copied
// out. Each output is computed exactly as in the per-image loop.
template <class T>
void forward_across_images(const KernelSet<T>& ks, const ConvGeometry& g, const T* x,
                           const T* packed, const DepthBlocks& blocks, const T* bias,
                           bool direct, T* y) {
  const int64_t cin = g.in_channels, cout = g.out_channels;
  const int64_t K = cin * g.kernel_spatial(), P = g.out_spatial(), Q = g.in_spatial();
  const int64_t rows = g.out[0] * g.out[1];
  const int64_t tasks = std::min(g.batch, kTargetTasks);
  // A panel of nr positions touches at most this many images (one more than fit whole).
  const int64_t max_images = ks.nr / P + 2;
  struct Segment {
    int64_t image, j0, col, len, run0, nruns;
  };
  run_tasks(tasks, [&](int64_t task) {
    const int64_t n0 = chunk_begin(task, g.batch, tasks);
    const int64_t n1 = chunk_begin(task + 1, g.batch, tasks);
    ScratchLease<T, PanelTag> panel(blocks.depth * ks.nr);
    ScratchLease<Run, RunsTag> runs(2 * ks.nr);
    ScratchLease<T, StageTag> stage(cout * ks.nr);
    // The regions of the images of the panel in hand (and of the next), in slots taken in
    // turn: the images of one panel are consecutive, so they never share a slot.
    std::vector<std::optional<Columns<T>>> slot(static_cast<size_t>(max_images));
    std::vector<int64_t> slot_image(static_cast<size_t>(max_images), -1);
    auto columns_of = [&](int64_t n) -> const Columns<T>& {
      const auto s = static_cast<size_t>(n % max_images);
      if (slot_image[s] != n) {
        slot[s].reset();
        slot[s].emplace(ks, g, x + n * cin * Q, cin, 0, rows, direct);
        slot_image[s] = n;
      }
      return *slot[s];
    };
    std::vector<Segment> segments;
    const int64_t total = (n1 - n0) * P;
    for (int64_t q0 = 0; q0 < total; q0 += ks.nr) {
      const int64_t width = std::min<int64_t>(ks.nr, total - q0);
      segments.clear();
      int64_t nruns = 0;
      for (int64_t col = 0; col < width;) {
        const int64_t n = n0 + (q0 + col) / P, j0 = (q0 + col) % P;
        const int64_t len = std::min(width - col, P - j0);
        const int64_t count = columns_of(n).runs_for(j0, len, runs.data() + nruns);
        for (int64_t r = nruns; r < nruns + count; ++r) runs.data()[r].dst += col;
        segments.push_back({n, j0, col, len, nruns, count});
        nruns += count;
        col += len;
      }
      const bool staged = segments.size() > 1;
      const Segment& front = segments.front();
      T* c = staged ? stage.data() : y + front.image * cout * P + front.j0;
      const int64_t ldc = staged ? ks.nr : P;
      const int64_t ld = panel_width(ks, width);
      for (int64_t p = 0; p < blocks.count; ++p) {
        const int64_t k0 = blocks.begin(p), k1 = k0 + blocks.size(p, K);
        for (const Segment& seg : segments) {
          const int64_t end = seg.col + seg.len;
          const bool last = end == width;  // it also clears the panel's padding columns
          columns_of(seg.image).gather(ks, k0, k1, runs.data() + seg.run0, seg.nruns, end,
                                       last ? ld : end, panel.data(), ld);
        }
        multiply_panel(ks, packed, cout, K, blocks, p, panel.data(), c, ldc, width, bias);
      }
      if (staged) {
        for (const Segment& seg : segments) {
          for (int64_t co = 0; co < cout; ++co) {
            const T* src = stage.data() + co * ks.nr + seg.col;
            std::copy(src, src + seg.len, y + (seg.image * cout + co) * P + seg.j0);
          }
        }
      }
    }
  });
}

// y = conv(x, W) + bias with W_grp(row, k) = weight_at(grp, row, k).
template <class T, class WeightAt>
void forward_packed(const ConvGeometry& g, const T* x, const WeightAt& weight_at, const T* bias,
                    T* y) {
  const KernelSet<T>& ks = vector_kernels().get<T>();
  const int64_t groups = g.groups, cin = g.in_per_group(), cout = g.out_per_group();
  const int64_t K = cin * g.kernel_spatial(), P = g.out_spatial(), Q = g.in_spatial();
  const int64_t OW = g.out[2], rows = g.out[0] * g.out[1];
  const DepthBlocks blocks = depth_blocks(K, ks.nr, sizeof(T));

  ScratchLease<T, PackedWeightsTag> packed(groups * cout * K);
  for (int64_t grp = 0; grp < groups; ++grp) {
    pack_weights<T>(cout, K, blocks, ks.mr,
                    [&](int64_t r, int64_t k) { return weight_at(grp, r, k); },
                    packed.data() + grp * cout * K);
  }
  const bool direct = reads_inside_input(g);
  // Few images: split their output rows too, so that every thread has work.
  const int64_t blocks_per_image =
      row_blocks(g, cin, sizeof(T), direct, ceil_div(kTargetTasks, g.batch * groups));

  // Small outputs run their panels across image boundaries (forward_across_images); only
  // worth it where the narrow panel is a good part of an image (measured slower on a
  // 56 x 56 1x1 layer, where it is one panel in 66).
  if (groups == 1 && blocks_per_image == 1 && P % ks.nr != 0 && P < 8 * ks.nr &&
      g.batch > 1) {
    forward_across_images(ks, g, x, packed.data(), blocks, bias, direct, y);
    return;
  }

  // An output far larger than the caches, written once (one depth block): its stores
  // bypass the caches instead of first fetching every line they overwrite.
  const bool stream = blocks.count == 1 &&
                      g.batch * g.out_channels * P * static_cast<int64_t>(sizeof(T)) > kStreamBytes;

  run_tasks(g.batch * groups * blocks_per_image, [&](int64_t task) {
    const int64_t rb = task % blocks_per_image, image_group = task / blocks_per_image;
    const int64_t n = image_group / groups, grp = image_group % groups;
    const int64_t orow0 = chunk_begin(rb, rows, blocks_per_image);
    const int64_t orow1 = chunk_begin(rb + 1, rows, blocks_per_image);
    const T* a = packed.data() + grp * cout * K;
    const T* row_bias = bias ? bias + grp * cout : nullptr;
    T* yg = y + (n * g.out_channels + grp * cout) * P;
    const Columns<T> columns(ks, g, x + (n * g.in_channels + grp * cin) * Q, cin, orow0, orow1,
                             direct);
    ScratchLease<T, PanelTag> panel(blocks.depth * ks.nr);
    ScratchLease<Run, RunsTag> runs(ks.nr);
    const int64_t p_end = orow1 * OW;
    for (int64_t j0 = orow0 * OW; j0 < p_end; j0 += ks.nr) {
      const int64_t width = std::min<int64_t>(ks.nr, p_end - j0);
      const int64_t nruns = columns.runs_for(j0, width, runs.data());
      for (int64_t p = 0; p < blocks.count; ++p) {
        const int64_t k0 = blocks.begin(p);
        const int64_t ld = panel_width(ks, width);
        columns.gather(ks, k0, k0 + blocks.size(p, K), runs.data(), nruns, width, ld,
                       panel.data(), ld);
        multiply_panel(ks, a, cout, K, blocks, p, panel.data(), yg + j0, P, width, row_bias,
                       stream);
      }
    }
    if (stream) ks.fence();
  });
}

// The input gradient of a stride-1 convolution as the forward convolution of gy with the
// flipped kernel, input and output channels swapped. Its padding before each dim is
// dilation * (k - 1) - pad, which must not be negative.
bool input_grad_is_forward(const ConvGeometry& g) {
  for (int d = 0; d < 3; ++d) {
    if (g.stride[d] != 1 || g.pad[d] > g.dilation[d] * (g.kernel[d] - 1)) return false;
  }
  return true;
}

// Whether the input gradient runs as that forward. Its columns have C_out * taps rows for
// C_in weight rows: with fewer input than output channels, gathering them costs more than
// adding cols = W^T gy back into the input (measured), except for 1x1 kernels, where the
// gather is a plain copy and the scatter an extra pass over the input.
bool prefer_input_grad_as_forward(const ConvGeometry& g) {
  return input_grad_is_forward(g) &&
         (g.in_per_group() >= g.out_per_group() || g.kernel_spatial() == 1);
}

ConvGeometry input_grad_as_forward(const ConvGeometry& g) {
  ConvGeometry t = g;
  t.in_channels = g.out_channels;
  t.out_channels = g.in_channels;
  t.in = g.out;
  t.out = g.in;
  for (int d = 0; d < 3; ++d) t.pad[d] = g.dilation[d] * (g.kernel[d] - 1) - g.pad[d];
  return t;
}

}  // namespace

bool conv_im2col_fits(const ConvGeometry& g, int64_t element_bytes) {
  // The largest buffers: the region of one output row (all input channels of a group), and
  // the columns of kMinBlock positions for the strided input gradient.
  const double region = static_cast<double>(region_for_rows(g, 0, 1).channel_stride());
  const double rows = static_cast<double>(g.in_per_group());
  const double taps = static_cast<double>(g.kernel_spatial());
  const double largest = std::max(region, taps * kMinBlock) * rows * element_bytes;
  return largest <= static_cast<double>(kMaxScratchBytes);
}

template <class T>
void conv_forward_im2col(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  const char* fn = "conv_forward_im2col";
  check_conv_geometry(fn, g);
  if (g.batch == 0) return;
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "w", w);
  check_conv_pointer(fn, "y", y);
  const int64_t cout = g.out_per_group(), K = g.in_per_group() * g.kernel_spatial();
  forward_packed(
      g, x, [&](int64_t grp, int64_t r, int64_t k) { return w[(grp * cout + r) * K + k]; }, bias,
      y);
}

template <class T>
void conv_backward_input_im2col(const ConvGeometry& g, const T* gy, const T* w, T* gx) {
  const char* fn = "conv_backward_input_im2col";
  check_conv_geometry(fn, g);
  if (g.batch == 0) return;
  check_conv_pointer(fn, "gy", gy);
  check_conv_pointer(fn, "w", w);
  check_conv_pointer(fn, "gx", gx);

  const int64_t groups = g.groups, cin = g.in_per_group(), cout = g.out_per_group();
  const int64_t taps = g.kernel_spatial(), K = cin * taps;
  const int64_t P = g.out_spatial(), Q = g.in_spatial();

  if (prefer_input_grad_as_forward(g)) {
    // Transposed weights: row ci, column (co, tap) holds w[co, ci, flipped tap].
    forward_packed(
        input_grad_as_forward(g), gy,
        [&](int64_t grp, int64_t ci, int64_t k) {
          return w[((grp * cout + k / taps) * cin + ci) * taps + (taps - 1 - k % taps)];
        },
        static_cast<const T*>(nullptr), gx);
    return;
  }

  // cols = W^T gy per block of positions, added back into a zero-padded region of the input
  // (the adjoint of the gather), which is then added into gx. Few images: split their
  // channels too.
  const KernelSet<T>& ks = vector_kernels().get<T>();
  const int64_t images = g.batch * groups, OW = g.out[2], rows = g.out[0] * g.out[1];
  const int64_t chunks = std::clamp<int64_t>(ceil_div(kTargetTasks, images), 1, cin);
  const int64_t rows_max = ceil_div(cin, chunks) * taps;
  const int64_t blocks_per_image = row_blocks(g, ceil_div(cin, chunks), sizeof(T), false, 1);
  const DepthBlocks blocks = depth_blocks(cout, ks.nr, sizeof(T));

  // W^T of each (group, channel chunk) packed: rows (c, tap) of the chunk, depth c_out.
  ScratchLease<T, PackedWeightsTag> packed(groups * cout * K);
  for (int64_t grp = 0; grp < groups; ++grp)
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      const int64_t c0 = chunk_begin(chunk, cin, chunks), c1 = chunk_begin(chunk + 1, cin, chunks);
      pack_weights<T>((c1 - c0) * taps, cout, blocks, ks.mr,
                      [&](int64_t r, int64_t co) {
                        return w[(grp * cout + co) * K + c0 * taps + r];
                      },
                      packed.data() + grp * cout * K + c0 * taps * cout);
    }

  run_tasks(images * chunks, [&](int64_t task) {
    const int64_t chunk = task % chunks, image_group = task / chunks;
    const int64_t n = image_group / groups, grp = image_group % groups;
    const int64_t c0 = chunk_begin(chunk, cin, chunks), c1 = chunk_begin(chunk + 1, cin, chunks);
    const int64_t channels = c1 - c0, col_rows = channels * taps;
    T* gxc = gx + (n * g.in_channels + grp * cin + c0) * Q;
    std::fill(gxc, gxc + channels * Q, T(0));
    const T* a = packed.data() + grp * cout * K + c0 * taps * cout;
    const T* gyg = gy + (n * g.out_channels + grp * cout) * P;
    ScratchLease<T, PanelTag> panel(blocks.depth * ks.nr);
    ScratchLease<int64_t, OffsetsTag> kw_offset(g.kernel[2]);
    ScratchLease<T*, BasesTag> bases(col_rows);
    for (int64_t rb = 0; rb < blocks_per_image; ++rb) {
      const int64_t orow0 = chunk_begin(rb, rows, blocks_per_image);
      const int64_t orow1 = chunk_begin(rb + 1, rows, blocks_per_image);
      const Region region = region_for_rows(g, orow0, orow1);
      ScratchLease<T, RegionTag> sums(channels * region.channel_stride());
      std::fill(sums.data(), sums.data() + channels * region.channel_stride(), T(0));
      int64_t tap_step[2];
      tap_offsets(g, region, kw_offset.data(), tap_step);
      const int64_t first = orow0 * OW, span = (orow1 - orow0) * OW;
      const Blocking positions = block_positions(span, rows_max, sizeof(T));
      ScratchLease<T, ColsTag> cols(col_rows * positions.size);
      ScratchLease<Run, RunsTag> runs(positions.size);
      for (int64_t b = 0; b < positions.count; ++b) {
        const int64_t p0 = first + positions.begin(b), cnt = positions.length(b, span);
        for (int64_t j0 = 0; j0 < cnt; j0 += ks.nr) {
          const int64_t width = std::min<int64_t>(ks.nr, cnt - j0);
          const int64_t ld = panel_width(ks, width);
          for (int64_t p = 0; p < blocks.count; ++p) {
            ks.copy_rows(gyg + blocks.begin(p) * P + p0 + j0, P, blocks.size(p, cout), width, ld,
                         panel.data(), ld);
            multiply_panel(ks, a, col_rows, cout, blocks, p, panel.data(), cols.data() + j0, cnt,
                           width, static_cast<const T*>(nullptr));
          }
        }
        const int64_t nruns = make_runs(g, region, p0, cnt, runs.data());
        ks.unpack_add(im2col_simd::UnpackJob<T>{sums.data(),
                                                region.channel_stride(),
                                                {g.kernel[0], g.kernel[1], g.kernel[2]},
                                                {tap_step[0], tap_step[1]},
                                                kw_offset.data(),
                                                runs.data(),
                                                nruns,
                                                0,
                                                col_rows,
                                                cols.data(),
                                                cnt,
                                                bases.data()});
      }
      add_region(ks, g, region, sums.data(), channels, gxc);
    }
  });
}

template <class T>
void conv_backward_weight_im2col(const ConvGeometry& g, const T* x, const T* gy, T* gw) {
  const char* fn = "conv_backward_weight_im2col";
  check_conv_geometry(fn, g);
  const int64_t groups = g.groups, cin = g.in_per_group(), cout = g.out_per_group();
  const int64_t taps = g.kernel_spatial(), K = cin * taps;
  const int64_t P = g.out_spatial(), Q = g.in_spatial(), OW = g.out[2];
  const int64_t weights = g.out_channels * K;
  check_conv_pointer(fn, "gw", gw);
  if (g.batch == 0) {
    std::fill(gw, gw + weights, T(0));
    return;
  }
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "gy", gy);

  const KernelSet<T>& ks = vector_kernels().get<T>();
  const bool direct = reads_inside_input(g);
  const int64_t weight_bytes = weights * static_cast<int64_t>(sizeof(T));
  const int64_t batch_chunks = std::clamp<int64_t>(std::min(g.batch, kMaxBatchChunks), 1,
                                                   1 + kMaxPartialBytes / weight_bytes);
  // Each chunk of channels reads all of gy again: split channels only for lack of tasks.
  const int64_t chunks =
      std::clamp<int64_t>(ceil_div(kTargetTasks / 2, batch_chunks * groups), 1, cin);
  const int64_t rows = g.out[0] * g.out[1];
  const int64_t blocks_per_image = row_blocks(g, ceil_div(cin, chunks), sizeof(T), direct, 1);
  // Positions per product: the panel of transposed columns (nr wide) fits in L1.
  const int64_t depth_max = std::max<int64_t>(
      ks.lanes, kTransposeBytes / (ks.nr * static_cast<int64_t>(sizeof(T))) / ks.lanes * ks.lanes);
  // Whole images per product when at least two fit in one (the per-image products of small
  // images are a few dozen positions deep, and each reads and writes gw).
  const int64_t images_per_step =
      blocks_per_image == 1 && 2 * P <= depth_max ? depth_max / P : 1;

  // Batch chunk 0 sums straight into gw, chunk i > 0 into partials + (i - 1) * weights.
  // In each product, C = a chunk of gw (rows c_out, columns the chunk's (c, tap) rows),
  // A = gy read in place (rows c_out, depth positions), B = the transposed columns.
  ScratchLease<T, PartialsTag> partials((batch_chunks - 1) * weights);
  run_tasks(batch_chunks * groups * chunks, [&](int64_t task) {
    const int64_t chunk = task % chunks, rest = task / chunks;
    const int64_t grp = rest % groups, batch_chunk = rest / groups;
    const int64_t c0 = chunk_begin(chunk, cin, chunks), c1 = chunk_begin(chunk + 1, cin, chunks);
    const int64_t col_rows = (c1 - c0) * taps;
    T* out = (batch_chunk == 0 ? gw : partials.data() + (batch_chunk - 1) * weights) +
             grp * cout * K + c0 * taps;
    const int64_t n0 = chunk_begin(batch_chunk, g.batch, batch_chunks);
    const int64_t n1 = chunk_begin(batch_chunk + 1, g.batch, batch_chunks);
    ScratchLease<T, PanelTag> panel(depth_max * ks.nr);
    ScratchLease<Run, RunsTag> runs(depth_max);
    bool accumulate = false;
    if (images_per_step > 1) {
      // Small images: each product runs over the positions of several whole images (gy of
      // those images packed side by side, their columns stacked in the panel), so gw is
      // read and written once per few hundred positions rather than once per image.
      ScratchLease<T, StageTag> a(cout * images_per_step * P);
      std::vector<std::optional<Columns<T>>> image_columns(images_per_step);
      for (int64_t nb = n0; nb < n1; nb += images_per_step) {
        const int64_t images = std::min(images_per_step, n1 - nb), kc = images * P;
        for (int64_t t = 0; t < images; ++t) {
          image_columns[t].reset();
          image_columns[t].emplace(ks, g, x + ((nb + t) * g.in_channels + grp * cin + c0) * Q,
                                   c1 - c0, 0, rows, direct);
          const T* gyg = gy + ((nb + t) * g.out_channels + grp * cout) * P;
          for (int64_t i = 0; i < cout; ++i)
            std::copy(gyg + i * P, gyg + (i + 1) * P, a.data() + i * kc + t * P);
        }
        for (int64_t j0 = 0; j0 < col_rows; j0 += ks.nr) {
          const int64_t jr = std::min<int64_t>(ks.nr, col_rows - j0);
          const int64_t width = panel_width(ks, jr);
          for (int64_t t = 0; t < images; ++t) {
            const int64_t nruns = image_columns[t]->runs_for(0, P, runs.data());
            image_columns[t]->gather_transposed(ks, j0, j0 + jr, runs.data(), nruns, P,
                                                panel.data() + t * P * width, width);
          }
          for (int64_t i = 0; i < cout; i += ks.mr) {
            const int64_t m = std::min<int64_t>(ks.mr, cout - i);
            ks.tile_row_major_a[m - 1][width / ks.lanes - 1](
                TileArgs<T>{kc, a.data() + i * kc, kc, panel.data(), out + i * K + j0, K, jr,
                            nullptr, accumulate});
          }
        }
        accumulate = true;
      }
      return;
    }
    for (int64_t n = n0; n < n1; ++n) {
      const T* xc = x + (n * g.in_channels + grp * cin + c0) * Q;
      const T* gyg = gy + (n * g.out_channels + grp * cout) * P;
      for (int64_t rb = 0; rb < blocks_per_image; ++rb) {
        const int64_t orow0 = chunk_begin(rb, rows, blocks_per_image);
        const int64_t orow1 = chunk_begin(rb + 1, rows, blocks_per_image);
        const Columns<T> columns(ks, g, xc, c1 - c0, orow0, orow1, direct);
        const int64_t steps = ceil_div((orow1 - orow0) * OW, depth_max);
        for (int64_t q = 0; q < steps; ++q) {
          const int64_t q0 = chunk_begin(q, (orow1 - orow0) * OW, steps) + orow0 * OW;
          const int64_t kc = chunk_begin(q + 1, (orow1 - orow0) * OW, steps) + orow0 * OW - q0;
          const int64_t nruns = columns.runs_for(q0, kc, runs.data());
          for (int64_t j0 = 0; j0 < col_rows; j0 += ks.nr) {
            const int64_t jr = std::min<int64_t>(ks.nr, col_rows - j0);
            const int64_t width = panel_width(ks, jr);
            columns.gather_transposed(ks, j0, j0 + jr, runs.data(), nruns, kc, panel.data(),
                                      width);
            for (int64_t i = 0; i < cout; i += ks.mr) {
              const int64_t m = std::min<int64_t>(ks.mr, cout - i);
              ks.tile_row_major_a[m - 1][width / ks.lanes - 1](
                  TileArgs<T>{kc, gyg + i * P + q0, P, panel.data(), out + i * K + j0, K, jr,
                              nullptr, accumulate});
            }
          }
          accumulate = true;
        }
      }
    }
  });

  if (batch_chunks == 1) return;
  // gw += partials in chunk order, over fixed slices of gw.
  constexpr int64_t kSlice = 4096;
  run_tasks(ceil_div(weights, kSlice), [&](int64_t slice) {
    const int64_t i0 = slice * kSlice, i1 = std::min(weights, i0 + kSlice);
    for (int64_t c = 1; c < batch_chunks; ++c) {
      const T* part = partials.data() + (c - 1) * weights;
      for (int64_t i = i0; i < i1; ++i) gw[i] += part[i];
    }
  });
}

TG_CONV_IM2COL_DECLARE(, float)
TG_CONV_IM2COL_DECLARE(, double)

}  // namespace tg::kernels
