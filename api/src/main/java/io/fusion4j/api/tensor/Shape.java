package io.fusion4j.api.tensor;

import java.util.Arrays;

/** Immutable row-major dimensions. Sizes are {@code long}; a rank-0 shape holds one element. */
public final class Shape {
    private final long[] dims;
    private final long numel;

    private Shape(long[] dims) {
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new IllegalArgumentException("dimension " + i + " of shape " + Arrays.toString(dims)
                        + " is negative");
            }
            n = Math.multiplyExact(n, dims[i]);
        }
        this.dims = dims;
        this.numel = n;
    }

    /** A shape with the given dims (copied). */
    public static Shape of(long... dims) {
        return new Shape(dims.clone());
    }

    /** A shape with the given int dims. */
    public static Shape of(int... dims) {
        long[] d = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            d[i] = dims[i];
        }
        return new Shape(d);
    }

    public int rank() {
        return dims.length;
    }

    /** Dimension {@code i}; negative {@code i} counts from the end ({@code -1} is the last). */
    public long dim(int i) {
        int j = i < 0 ? dims.length + i : i;
        if (j < 0 || j >= dims.length) {
            throw new IndexOutOfBoundsException("dimension " + i + " of rank-" + dims.length + " shape " + this);
        }
        return dims[j];
    }

    /** Dimension {@code i} as an int, failing clearly when it does not fit. */
    public int dimInt(int i) {
        return Math.toIntExact(dim(i));
    }

    public long numel() {
        return numel;
    }

    /** A copy of the dims. */
    public long[] dims() {
        return dims.clone();
    }

    /** Product of all dims but the last ({@code 1} for rank 0 or 1): the number of rows. */
    public long rows() {
        long r = 1;
        for (int i = 0; i < dims.length - 1; i++) {
            r *= dims[i];
        }
        return r;
    }

    /** The last dim ({@code 1} for rank 0). */
    public long cols() {
        return dims.length == 0 ? 1 : dims[dims.length - 1];
    }

    /** This shape with the first dim replaced. */
    public Shape withFirst(long first) {
        long[] d = dims.clone();
        d[0] = first;
        return new Shape(d);
    }

    /** This shape with the last two dims swapped. */
    public Shape transposeLast2() {
        if (dims.length < 2) {
            throw new IllegalArgumentException("transpose needs rank >= 2, shape is " + this);
        }
        long[] d = dims.clone();
        d[d.length - 1] = dims[d.length - 2];
        d[d.length - 2] = dims[d.length - 1];
        return new Shape(d);
    }

    /** The dims after dropping the first {@code n}. */
    public Shape dropFirst(int n) {
        return new Shape(Arrays.copyOfRange(dims, n, dims.length));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
