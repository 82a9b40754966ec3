package io.fusion4j.api.backend;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/**
 * Argument validation shared by every backend, so a bad call fails the same way on any device:
 * the message names the kernel, the argument, what was expected and what was found.
 */
public final class KernelChecks {
    private KernelChecks() {
    }

    /** An {@link IllegalArgumentException} in the house format. */
    public static IllegalArgumentException bad(String kernel, String arg, String expected, Object found) {
        return new IllegalArgumentException(kernel + ": argument '" + arg + "' must be " + expected + ", found " + found);
    }

    /** Non-null, live, of {@code dtype}, not a transposed view. */
    public static Tensor plain(String kernel, String arg, Tensor t, DType dtype) {
        live(kernel, arg, t, dtype);
        if (t.isTransposed()) {
            throw bad(kernel, arg, "a plain (not transposed) view", t);
        }
        return t;
    }

    /** Non-null, live and of {@code dtype}; transposed views allowed. */
    private static Tensor live(String kernel, String arg, Tensor t, DType dtype) {
        if (t == null) {
            throw bad(kernel, arg, "a tensor", "null");
        }
        try {
            t.checkLive();
        } catch (IllegalStateException e) {
            throw bad(kernel, arg, "a live tensor", e.getMessage());
        }
        if (t.dtype() != dtype) {
            throw bad(kernel, arg, dtype + " (convert with Backend.copy)", t.dtype());
        }
        return t;
    }

    /** {@link #plain} for F32. */
    public static Tensor f32(String kernel, String arg, Tensor t) {
        return plain(kernel, arg, t, DType.F32);
    }

    /** {@link #plain} for I32. */
    public static Tensor i32(String kernel, String arg, Tensor t) {
        return plain(kernel, arg, t, DType.I32);
    }

    /** Live, F32, transposed views allowed (GEMM operands). */
    public static Tensor gemmOperand(String kernel, String arg, Tensor t) {
        return live(kernel, arg, t, DType.F32);
    }

    /** A live, plain view (any dtype): the checks every copy and fill starts with. */
    public static Tensor plainView(String kernel, String arg, Tensor t) {
        if (t == null) {
            throw bad(kernel, arg, "a tensor", "null");
        }
        t.checkLive();
        if (t.isTransposed()) {
            throw bad(kernel, arg, "a plain view", t);
        }
        return t;
    }

    /** {@code copy(src, dst)}: plain live views of equal element count. */
    public static void copy(Tensor src, Tensor dst) {
        plainView("copy", "src", src);
        plainView("copy", "dst", dst);
        numel("copy", "dst", dst, src.numel());
    }

    /** A host float array of the tensor's length, and a float tensor. */
    public static void hostFloats(String kernel, String arg, Tensor t, int hostLength, String hostArg) {
        plainView(kernel, arg, t);
        if (hostLength != t.numel()) {
            throw bad(kernel, hostArg, "a float[" + t.numel() + "] for tensor " + t.shape(), "float[" + hostLength + "]");
        }
        if (t.dtype() == DType.I32) {
            throw bad(kernel, arg, "F32 or BF16 for float data", "I32");
        }
    }

    /** A host int array of the tensor's length, and an I32 tensor. */
    public static void hostInts(String kernel, String arg, Tensor t, int hostLength, String hostArg) {
        i32(kernel, arg, t);
        if (hostLength != t.numel()) {
            throw bad(kernel, hostArg, "an int[" + t.numel() + "] for tensor " + t.shape(), "int[" + hostLength + "]");
        }
    }

    public static void sameShape(String kernel, String arg, Tensor t, String refArg, Tensor ref) {
        if (!t.shape().equals(ref.shape())) {
            throw bad(kernel, arg, "shaped like '" + refArg + "' " + ref.shape(), t.shape());
        }
    }

    public static void shape(String kernel, String arg, Tensor t, Shape expected) {
        if (!t.shape().equals(expected)) {
            throw bad(kernel, arg, "of shape " + expected, t.shape());
        }
    }

    /** {@code t} has shape {@code [d0, d1]}; allocates nothing unless it fails. */
    public static void shape(String kernel, String arg, Tensor t, long d0, long d1) {
        if (t.rank() != 2 || t.dim(0) != d0 || t.dim(1) != d1) {
            throw bad(kernel, arg, "of shape [" + d0 + ", " + d1 + "]", t.shape());
        }
    }

    /** {@code t} has shape {@code [d0, d1, d2]}; allocates nothing unless it fails. */
    public static void shape(String kernel, String arg, Tensor t, long d0, long d1, long d2) {
        if (t.rank() != 3 || t.dim(0) != d0 || t.dim(1) != d1 || t.dim(2) != d2) {
            throw bad(kernel, arg, "of shape [" + d0 + ", " + d1 + ", " + d2 + "]", t.shape());
        }
    }

    /** {@code t} has shape {@code [d0]}; allocates nothing unless it fails. */
    public static void shape(String kernel, String arg, Tensor t, long d0) {
        if (t.rank() != 1 || t.dim(0) != d0) {
            throw bad(kernel, arg, "of shape [" + d0 + "]", t.shape());
        }
    }

    public static void rank(String kernel, String arg, Tensor t, int rank) {
        if (t.rank() != rank) {
            throw bad(kernel, arg, "of rank " + rank, "shape " + t.shape());
        }
    }

    public static void numel(String kernel, String arg, Tensor t, long expected) {
        if (t.numel() != expected) {
            throw bad(kernel, arg, "a tensor of " + expected + " elements", t.numel() + " elements (shape " + t.shape() + ")");
        }
    }

    /** {@code t} has {@code rows} elements (one per row of another tensor). */
    public static void perRow(String kernel, String arg, Tensor t, long rows, String of) {
        if (t.numel() != rows) {
            throw bad(kernel, arg, "one element per row of '" + of + "' (" + rows + ")", t.numel() + " elements (shape " + t.shape() + ")");
        }
    }

    /** Fails when a dimension does not fit an int index (CPU kernels index with ints). */
    public static int intSize(String kernel, String what, long n) {
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(kernel + ": " + what + " of " + n + " exceeds " + Integer.MAX_VALUE);
        }
        return (int) n;
    }

    // ---------------------------------------------------------------- per-kernel argument checks
    // Each Backend method calls the check of its kernel first, so every backend fails the same way.

    /** GEMM dimensions: {@code batches} products of {@code [m,k]·[k,n]}. */
    public record GemmDims(int batches, int m, int n, int k) {
    }

    /** Grouped GEMM dimensions. */
    public record GroupedDims(int groups, int rows, int k, int n) {
    }

    /** Attention dimensions of {@code [B,T,H,D]} tensors. */
    public record AttentionDims(int batch, int length, int heads, int dim) {
    }

    public static GemmDims gemm(Tensor a, Tensor b, Tensor c) {
        gemmOperand("gemm", "a", a);
        gemmOperand("gemm", "b", b);
        f32("gemm", "c", c);
        int rank = c.rank();
        if (rank != 2 && rank != 3) {
            throw bad("gemm", "c", "of rank 2 or 3", c.shape());
        }
        if (a.rank() != rank || b.rank() != rank) {
            throw bad("gemm", a.rank() != rank ? "a" : "b", "of rank " + rank + " like 'c'",
                    (a.rank() != rank ? a : b).shape());
        }
        int batches = rank == 3 ? intSize("gemm", "batch", c.dim(0)) : 1;
        if (rank == 3 && (a.dim(0) != batches || b.dim(0) != batches)) {
            throw bad("gemm", a.dim(0) != batches ? "a" : "b", "of batch size " + batches,
                    (a.dim(0) != batches ? a : b).shape());
        }
        int m = intSize("gemm", "M", a.dim(-2));
        int k = intSize("gemm", "K", a.dim(-1));
        int n = intSize("gemm", "N", b.dim(-1));
        if (b.dim(-2) != k) {
            throw bad("gemm", "b", "with " + k + " rows to match a " + a.shape(), b.shape());
        }
        if (c.dim(-2) != m || c.dim(-1) != n) {
            throw bad("gemm", "c", "of shape [" + m + ", " + n + "] (per batch)", c.shape());
        }
        return new GemmDims(batches, m, n, k);
    }

    public static GroupedDims groupedGemm(Tensor a, Tensor b, Tensor offsets, Tensor c) {
        f32("groupedGemm", "a", a);
        gemmOperand("groupedGemm", "b", b);
        f32("groupedGemm", "c", c);
        rank("groupedGemm", "a", a, 2);
        rank("groupedGemm", "b", b, 3);
        int groups = intSize("groupedGemm", "groups", b.dim(0));
        int k = intSize("groupedGemm", "K", a.dim(1));
        int n = intSize("groupedGemm", "N", b.dim(2));
        if (b.dim(1) != k) {
            throw bad("groupedGemm", "b", "of shape [G, " + k + ", N] to match a " + a.shape(), b.shape());
        }
        shape("groupedGemm", "c", c, a.dim(0), n);
        i32("groupedGemm", "offsets", offsets);
        numel("groupedGemm", "offsets", offsets, groups + 1L);
        return new GroupedDims(groups, intSize("groupedGemm", "rows", a.dim(0)), k, n);
    }

    public static GroupedDims groupedGemmWeightGrad(Tensor a, Tensor dy, Tensor offsets, Tensor db) {
        String kn = "groupedGemmWeightGrad";
        f32(kn, "a", a);
        f32(kn, "dy", dy);
        f32(kn, "db", db);
        rank(kn, "a", a, 2);
        rank(kn, "dy", dy, 2);
        rank(kn, "db", db, 3);
        int groups = intSize(kn, "groups", db.dim(0));
        int k = intSize(kn, "K", a.dim(1));
        int n = intSize(kn, "N", dy.dim(1));
        if (dy.dim(0) != a.dim(0)) {
            throw bad(kn, "dy", "with " + a.dim(0) + " rows like 'a'", dy.shape());
        }
        shape(kn, "db", db, groups, k, n);
        i32(kn, "offsets", offsets);
        numel(kn, "offsets", offsets, groups + 1L);
        return new GroupedDims(groups, intSize(kn, "rows", a.dim(0)), k, n);
    }

    /** Group offsets read back to the host: start at 0, non-decreasing, end within {@code rows}. */
    public static void groupOffsets(String kernel, int[] o, int base, int groups, int rows) {
        if (o[base] != 0) {
            throw bad(kernel, "offsets", "starting at 0", o[base]);
        }
        for (int g = 0; g < groups; g++) {
            if (o[base + g + 1] < o[base + g]) {
                throw bad(kernel, "offsets", "non-decreasing", "offsets[" + (g + 1) + "]=" + o[base + g + 1]
                        + " < offsets[" + g + "]=" + o[base + g]);
            }
        }
        if (o[base + groups] > rows) {
            throw bad(kernel, "offsets", "ending at most at the " + rows + " rows of 'a'", o[base + groups]);
        }
    }

    /** A binary op whose b is same-shaped or one row; returns true for the row broadcast. */
    public static boolean binaryBroadcast(String kernel, Tensor a, Tensor b, Tensor out) {
        f32(kernel, "a", a);
        f32(kernel, "b", b);
        f32(kernel, "out", out);
        sameShape(kernel, "out", out, "a", a);
        if (b.shape().equals(a.shape())) {
            return false;
        }
        if (b.numel() == a.shape().cols() && b.rank() <= 1) {
            return true;
        }
        throw bad(kernel, "b", "shaped like 'a' " + a.shape() + " or a row of " + a.shape().cols(), b.shape());
    }

    /** A plain F32 tensor shaped like {@code ref}. */
    public static void likeRef(String kernel, String arg, Tensor t, String refName, Tensor ref) {
        f32(kernel, arg, t);
        sameShape(kernel, arg, t, refName, ref);
    }

    public static void axpby(Tensor a, Tensor b, Tensor out) {
        f32("axpby", "a", a);
        likeRef("axpby", "b", b, "a", a);
        likeRef("axpby", "out", out, "a", a);
    }

    public static void unary(String kernel, Tensor x, Tensor out) {
        f32(kernel, "x", x);
        likeRef(kernel, "out", out, "x", x);
    }

    public static void unaryBackward(String kernel, String xName, Tensor x, Tensor dy, Tensor dx) {
        f32(kernel, xName, x);
        likeRef(kernel, "dy", dy, xName, x);
        likeRef(kernel, "dx", dx, xName, x);
    }

    public static void mulRows(Tensor x, Tensor s, Tensor out) {
        unary("mulRows", x, out);
        f32("mulRows", "s", s);
        perRow("mulRows", "s", s, x.shape().rows(), "x");
    }

    public static void rowDot(Tensor a, Tensor b, Tensor out) {
        f32("rowDot", "a", a);
        likeRef("rowDot", "b", b, "a", a);
        f32("rowDot", "out", out);
        perRow("rowDot", "out", out, a.shape().rows(), "a");
    }

    public static void swiglu(Tensor gate, Tensor up, Tensor out) {
        f32("swiglu", "gate", gate);
        likeRef("swiglu", "up", up, "gate", gate);
        likeRef("swiglu", "out", out, "gate", gate);
    }

    public static void swigluBackward(Tensor gate, Tensor up, Tensor dOut, Tensor dGate, Tensor dUp) {
        f32("swigluBackward", "gate", gate);
        likeRef("swigluBackward", "up", up, "gate", gate);
        likeRef("swigluBackward", "dOut", dOut, "gate", gate);
        likeRef("swigluBackward", "dGate", dGate, "gate", gate);
        likeRef("swigluBackward", "dUp", dUp, "gate", gate);
    }

    public static void reduceLastDim(Tensor x, Tensor out) {
        f32("reduceLastDim", "x", x);
        f32("reduceLastDim", "out", out);
        perRow("reduceLastDim", "out", out, x.shape().rows(), "x");
    }

    private static void norm(String kernel, Tensor x, Tensor weight, Tensor out) {
        f32(kernel, "x", x);
        f32(kernel, "weight", weight);
        shape(kernel, "weight", weight, x.shape().cols());
        likeRef(kernel, "out", out, "x", x);
    }

    public static void rmsNorm(Tensor x, Tensor weight, Tensor out, Tensor rstd) {
        norm("rmsNorm", x, weight, out);
        f32("rmsNorm", "rstd", rstd);
        perRow("rmsNorm", "rstd", rstd, x.shape().rows(), "x");
    }

    public static void rmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dWeight) {
        String kn = "rmsNormBackward";
        norm(kn, x, weight, dx);
        f32(kn, "rstd", rstd);
        perRow(kn, "rstd", rstd, x.shape().rows(), "x");
        likeRef(kn, "dy", dy, "x", x);
        likeRef(kn, "dWeight", dWeight, "weight", weight);
    }

    public static void layerNorm(Tensor x, Tensor weight, Tensor bias, Tensor out, Tensor mean, Tensor rstd) {
        norm("layerNorm", x, weight, out);
        likeRef("layerNorm", "bias", bias, "weight", weight);
        f32("layerNorm", "mean", mean);
        f32("layerNorm", "rstd", rstd);
        perRow("layerNorm", "mean", mean, x.shape().rows(), "x");
        perRow("layerNorm", "rstd", rstd, x.shape().rows(), "x");
    }

    public static void layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy,
                                         Tensor dx, Tensor dWeight, Tensor dBias) {
        String kn = "layerNormBackward";
        norm(kn, x, weight, dx);
        f32(kn, "mean", mean);
        f32(kn, "rstd", rstd);
        perRow(kn, "mean", mean, x.shape().rows(), "x");
        perRow(kn, "rstd", rstd, x.shape().rows(), "x");
        likeRef(kn, "dy", dy, "x", x);
        likeRef(kn, "dWeight", dWeight, "weight", weight);
        likeRef(kn, "dBias", dBias, "weight", weight);
    }

    public static void rope(String kernel, String xName, Tensor x, Tensor positions, float theta, Tensor out,
                            String outName) {
        f32(kernel, xName, x);
        i32(kernel, "positions", positions);
        rank(kernel, xName, x, 4);
        likeRef(kernel, outName, out, xName, x);
        if (x.dim(3) % 2 != 0) {
            throw bad(kernel, xName, "a tensor [B,T,H,D] with even D", x.shape());
        }
        numel(kernel, "positions", positions, x.dim(0) * x.dim(1));
        if (!(theta > 0)) {
            throw bad(kernel, "theta", "> 0", theta);
        }
    }

    private static AttentionDims attentionInputs(String kernel, Tensor q, Tensor k, Tensor v, AttentionMask mask,
                                                 Tensor lse) {
        f32(kernel, "q", q);
        rank(kernel, "q", q, 4);
        likeRef(kernel, "k", k, "q", q);
        likeRef(kernel, "v", v, "q", q);
        f32(kernel, "lse", lse);
        if (mask == null) {
            throw bad(kernel, "mask", "an AttentionMask", "null");
        }
        if (mask.batch() != q.dim(0) || mask.length() != q.dim(1)) {
            throw bad(kernel, "mask", "for batch " + q.dim(0) + " and length " + q.dim(1),
                    "batch " + mask.batch() + " and length " + mask.length());
        }
        shape(kernel, "lse", lse, q.dim(0), q.dim(2), q.dim(1));
        return new AttentionDims(intSize(kernel, "B", q.dim(0)), intSize(kernel, "T", q.dim(1)),
                intSize(kernel, "H", q.dim(2)), intSize(kernel, "D", q.dim(3)));
    }

    public static AttentionDims attention(Tensor q, Tensor k, Tensor v, AttentionMask mask, Tensor out, Tensor lse) {
        AttentionDims d = attentionInputs("attention", q, k, v, mask, lse);
        likeRef("attention", "out", out, "q", q);
        return d;
    }

    public static AttentionDims attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dOut,
                                                  AttentionMask mask, Tensor dq, Tensor dk, Tensor dv) {
        String kn = "attentionBackward";
        AttentionDims d = attentionInputs(kn, q, k, v, mask, lse);
        likeRef(kn, "out", out, "q", q);
        likeRef(kn, "dOut", dOut, "q", q);
        likeRef(kn, "dq", dq, "q", q);
        likeRef(kn, "dk", dk, "q", q);
        likeRef(kn, "dv", dv, "q", q);
        return d;
    }

    public static void crossEntropy(Tensor logits, Tensor targets, Tensor losses, Tensor lse) {
        f32("crossEntropy", "logits", logits);
        i32("crossEntropy", "targets", targets);
        f32("crossEntropy", "losses", losses);
        f32("crossEntropy", "lse", lse);
        long r = logits.shape().rows();
        perRow("crossEntropy", "targets", targets, r, "logits");
        perRow("crossEntropy", "losses", losses, r, "logits");
        perRow("crossEntropy", "lse", lse, r, "logits");
    }

    public static void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor dLogits) {
        String kn = "crossEntropyBackward";
        f32(kn, "logits", logits);
        i32(kn, "targets", targets);
        f32(kn, "lse", lse);
        long r = logits.shape().rows();
        perRow(kn, "targets", targets, r, "logits");
        perRow(kn, "lse", lse, r, "logits");
        likeRef(kn, "dLogits", dLogits, "logits", logits);
    }

    /** Targets read back to the host: each below {@code classes} (negative means ignored). */
    public static void targets(String kernel, int[] t, int base, int n, int classes) {
        for (int i = 0; i < n; i++) {
            int v = t[base + i];
            if (v >= classes) {
                throw bad(kernel, "targets", "class ids below " + classes + " (or negative to ignore)", v + " at row " + i);
            }
        }
    }

    public static void mse(Tensor pred, Tensor target, Tensor out) {
        f32("mse", "pred", pred);
        likeRef("mse", "target", target, "pred", pred);
        f32("mse", "out", out);
        perRow("mse", "out", out, pred.shape().rows(), "pred");
    }

    /** Backward of an element-wise loss: prediction, target and gradient all of one shape. */
    public static void lossBackward(String kernel, String predName, Tensor pred, String targetName, Tensor target,
                                    String dName, Tensor dPred) {
        f32(kernel, predName, pred);
        likeRef(kernel, targetName, target, predName, pred);
        likeRef(kernel, dName, dPred, predName, pred);
    }

    public static void bceWithLogits(Tensor logits, Tensor targets, Tensor out) {
        f32("bceWithLogits", "logits", logits);
        likeRef("bceWithLogits", "targets", targets, "logits", logits);
        likeRef("bceWithLogits", "out", out, "logits", logits);
    }

    public static void gatherRows(Tensor src, Tensor idx, Tensor out) {
        f32("gatherRows", "src", src);
        i32("gatherRows", "idx", idx);
        f32("gatherRows", "out", out);
        shape("gatherRows", "out", out, idx.numel(), src.shape().cols());
    }

    public static void scatterAddRows(Tensor src, Tensor idx, Tensor weights, Tensor out) {
        f32("scatterAddRows", "src", src);
        i32("scatterAddRows", "idx", idx);
        f32("scatterAddRows", "out", out);
        shape("scatterAddRows", "src", src, idx.numel(), out.shape().cols());
        if (weights != null) {
            f32("scatterAddRows", "weights", weights);
            numel("scatterAddRows", "weights", weights, idx.numel());
        }
    }

    /** The error for an index outside {@code [0, bound)} found at {@code position}. */
    public static IllegalArgumentException badIndex(String kernel, String arg, int bound, long value, long position) {
        return new IllegalArgumentException(kernel + ": argument '" + arg + "' must hold indices in [0, " + bound
                + "), found " + value + " at position " + position);
    }

    public static void topK(Tensor x, int k, Tensor values, Tensor indices) {
        f32("topK", "x", x);
        f32("topK", "values", values);
        i32("topK", "indices", indices);
        long c = x.shape().cols();
        if (k < 0 || k > c) {
            throw bad("topK", "k", "in [0, " + c + "] (the last dim of x)", k);
        }
        shape("topK", "values", values, x.shape().rows(), k);
        shape("topK", "indices", indices, x.shape().rows(), k);
    }

    public static void topKBackward(Tensor dValues, Tensor indices, Tensor dx) {
        f32("topKBackward", "dValues", dValues);
        i32("topKBackward", "indices", indices);
        f32("topKBackward", "dx", dx);
        long k = dValues.shape().cols();
        if (k > dx.shape().cols()) {
            throw bad("topKBackward", "dValues", "at most " + dx.shape().cols() + " columns (the last dim of dx)", k);
        }
        shape("topKBackward", "dValues", dValues, dx.shape().rows(), k);
        shape("topKBackward", "indices", indices, dx.shape().rows(), k);
    }

    public static void transpose(Tensor x, Tensor out) {
        f32("transpose", "x", x);
        f32("transpose", "out", out);
        rank("transpose", "x", x, 2);
        shape("transpose", "out", out, x.dim(1), x.dim(0));
    }

    public static void gatherIndices(Tensor table, Tensor idx, Tensor out) {
        i32("gatherIndices", "table", table);
        i32("gatherIndices", "idx", idx);
        i32("gatherIndices", "out", out);
        rank("gatherIndices", "table", table, 1);
        rank("gatherIndices", "idx", idx, 1);
        shape("gatherIndices", "out", out, idx.numel());
    }

    /** The {@code cols} shape im2col produces from an image batch {@code x [B,C,H,W]}. */
    public static Shape im2colShape(String kernel, String arg, Tensor x, ConvGeometry g) {
        rank(kernel, arg, x, 4);
        int h = intSize(kernel, "H", x.dim(2));
        int w = intSize(kernel, "W", x.dim(3));
        if (g.outH(h) < 1 || g.outW(w) < 1) {
            throw bad(kernel, "geometry", "a kernel that fits the " + h + "x" + w + " input with padding", g);
        }
        return Shape.of(x.dim(0) * g.outH(h) * g.outW(w), x.dim(1) * g.kernelH() * g.kernelW());
    }

    public static void im2col(Tensor x, ConvGeometry g, Tensor cols) {
        f32("im2col", "x", x);
        f32("im2col", "cols", cols);
        shape("im2col", "cols", cols, im2colShape("im2col", "x", x, g));
    }

    public static void col2im(Tensor cols, ConvGeometry g, Tensor dx) {
        f32("col2im", "cols", cols);
        f32("col2im", "dx", dx);
        shape("col2im", "cols", cols, im2colShape("col2im", "dx", dx, g));
    }

    public static void adamw(Tensor param, Tensor grad, Tensor m, Tensor v) {
        f32("adamw", "param", param);
        likeRef("adamw", "grad", grad, "param", param);
        likeRef("adamw", "m", m, "param", param);
        likeRef("adamw", "v", v, "param", param);
    }
}
