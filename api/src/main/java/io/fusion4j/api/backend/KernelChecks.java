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
}
