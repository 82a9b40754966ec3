package io.fusion4j.tensor.cpu;

import io.fusion4j.api.backend.ConvGeometry;
import io.fusion4j.api.backend.KernelChecks;
import io.fusion4j.api.random.Philox;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/** Gather/scatter, top-k, im2col/col2im, RoPE and Philox fills. */
final class IndexKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private IndexKernels() {
    }

    static void checkIndices(String kernel, String arg, int[] idx, int io, int n, int bound) {
        for (int i = 0; i < n; i++) {
            int v = idx[io + i];
            if (v < 0 || v >= bound) {
                throw KernelChecks.badIndex(kernel, arg, bound, v, i);
            }
        }
    }

    static void gatherRows(float[] src, int so, int[] idx, int io, float[] out, int oo, int m, int d) {
        for (int r = 0; r < m; r++) {
            System.arraycopy(src, so + idx[io + r] * d, out, oo + r * d, d);
        }
    }

    static void scatterAddRows(float[] src, int so, int[] idx, int io, float[] w, int wo, boolean weighted,
                               float[] out, int oo, int m, int d) {
        for (int r = 0; r < m; r++) {
            int dst = oo + idx[io + r] * d;
            int s = so + r * d;
            FloatVector vw = FloatVector.broadcast(S, weighted ? w[wo + r] : 1f);
            for (int i = 0; i < d; i += L) {
                VectorMask<Float> mk = S.indexInRange(i, d);
                FloatVector.fromArray(S, src, s + i, mk).fma(vw, FloatVector.fromArray(S, out, dst + i, mk))
                        .intoArray(out, dst + i, mk);
            }
        }
    }

    /** Sortable key: descending value, then ascending index. {@code keys} is scratch of length >= cols. */
    static void topK(float[] x, int xo, int rows, int cols, int k, float[] vals, int vo, int[] inds, int ido, long[] keys) {
        for (int r = 0; r < rows; r++) {
            int xr = xo + r * cols;
            for (int c = 0; c < cols; c++) {
                float v = x[xr + c];
                if (v != v) {
                    throw new IllegalArgumentException("topK: argument 'x' must not contain NaN, found NaN at row " + r
                            + ", column " + c);
                }
                int bits = Float.floatToIntBits(v == 0f ? 0f : v);
                int ascending = bits ^ ((bits >> 31) & 0x7fffffff);
                keys[c] = ((long) ~ascending << 32) | c;
            }
            java.util.Arrays.sort(keys, 0, cols);
            for (int j = 0; j < k; j++) {
                int c = (int) keys[j];
                vals[vo + r * k + j] = x[xr + c];
                inds[ido + r * k + j] = c;
            }
        }
    }

    /** Blocked so both the reads and the writes stay within a few cache lines at a time. */
    static void transpose(float[] x, int xo, int rows, int cols, float[] out, int oo) {
        final int tile = 32;
        for (int r0 = 0; r0 < rows; r0 += tile) {
            int r1 = Math.min(rows, r0 + tile);
            for (int c0 = 0; c0 < cols; c0 += tile) {
                int c1 = Math.min(cols, c0 + tile);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        out[oo + c * rows + r] = x[xo + r * cols + c];
                    }
                }
            }
        }
    }

    static void im2col(float[] x, int xo, int batch, int ch, int h, int w, ConvGeometry g, float[] cols, int co) {
        int oh = g.outH(h);
        int ow = g.outW(w);
        int kk = g.kernelH() * g.kernelW();
        int rowLen = ch * kk;
        for (int b = 0; b < batch; b++) {
            for (int y = 0; y < oh; y++) {
                for (int xx = 0; xx < ow; xx++) {
                    int row = co + ((b * oh + y) * ow + xx) * rowLen;
                    for (int c = 0; c < ch; c++) {
                        int plane = xo + (b * ch + c) * h * w;
                        for (int ky = 0; ky < g.kernelH(); ky++) {
                            int iy = y * g.stride() - g.padding() + ky;
                            for (int kx = 0; kx < g.kernelW(); kx++) {
                                int ix = xx * g.stride() - g.padding() + kx;
                                float v = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[plane + iy * w + ix] : 0f;
                                cols[row + c * kk + ky * g.kernelW() + kx] = v;
                            }
                        }
                    }
                }
            }
        }
    }

    static void col2im(float[] cols, int co, int batch, int ch, int h, int w, ConvGeometry g, float[] dx, int dxo) {
        java.util.Arrays.fill(dx, dxo, dxo + batch * ch * h * w, 0f);
        int oh = g.outH(h);
        int ow = g.outW(w);
        int kk = g.kernelH() * g.kernelW();
        int rowLen = ch * kk;
        for (int b = 0; b < batch; b++) {
            for (int y = 0; y < oh; y++) {
                for (int xx = 0; xx < ow; xx++) {
                    int row = co + ((b * oh + y) * ow + xx) * rowLen;
                    for (int c = 0; c < ch; c++) {
                        int plane = dxo + (b * ch + c) * h * w;
                        for (int ky = 0; ky < g.kernelH(); ky++) {
                            int iy = y * g.stride() - g.padding() + ky;
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            for (int kx = 0; kx < g.kernelW(); kx++) {
                                int ix = xx * g.stride() - g.padding() + kx;
                                if (ix >= 0 && ix < w) {
                                    dx[plane + iy * w + ix] += cols[row + c * kk + ky * g.kernelW() + kx];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Rotate-half RoPE on rows of {@code heads * dim}; {@code sign} = 1 forward, -1 for the backward (inverse
     * rotation). {@code cos}/{@code sin} hold {@code (float) cos(p · theta^(-2i/dim))} at {@code [p * half + i]} for
     * every position used (see {@link RopeTable}). {@code out} may be {@code x}.
     */
    static void rope(float[] x, int xo, int[] pos, int po, float[] out, int oo, int rows, int heads, int dim,
                     float[] cos, float[] sin, float sign) {
        int half = dim / 2;
        for (int r = 0; r < rows; r++) {
            int t = pos[po + r] * half;
            for (int hd = 0; hd < heads; hd++) {
                int base = (r * heads + hd) * dim;
                int i = 0;
                for (; i + L <= half; i += L) {
                    FloatVector c = FloatVector.fromArray(S, cos, t + i);
                    FloatVector sn = FloatVector.fromArray(S, sin, t + i).mul(sign);
                    FloatVector a = FloatVector.fromArray(S, x, xo + base + i);
                    FloatVector b = FloatVector.fromArray(S, x, xo + base + i + half);
                    a.mul(c).sub(b.mul(sn)).intoArray(out, oo + base + i);
                    a.mul(sn).add(b.mul(c)).intoArray(out, oo + base + i + half);
                }
                for (; i < half; i++) {
                    float c = cos[t + i];
                    float sn = sign * sin[t + i];
                    float a = x[xo + base + i];
                    float b = x[xo + base + i + half];
                    out[oo + base + i] = a * c - b * sn;
                    out[oo + base + i + half] = a * sn + b * c;
                }
            }
        }
    }

    /**
     * Elements {@code offset .. offset+n} of a Philox draw, uniform or normal (the mapping is
     * {@link Philox}'s), computing each 4-word block once.
     */
    static void philox(float[] out, int oo, int n, long seed, long offset, boolean normal, int[] block) {
        long cached = -1;
        for (int e = 0; e < n; e++) {
            long g = offset + e;
            long blk = Philox.blockIndex(g);
            if (blk != cached) {
                Philox.block(blk, seed, block);
                cached = blk;
            }
            out[oo + e] = normal ? Philox.normalFromBlock(block, g) : Philox.uniformFromBlock(block, g);
        }
    }
}
