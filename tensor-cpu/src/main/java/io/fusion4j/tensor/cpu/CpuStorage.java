package io.fusion4j.tensor.cpu;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Storage;

/** Heap arrays behind CPU tensors: exactly one of the arrays is non-null, chosen by dtype. */
final class CpuStorage implements Storage {
    final DType dtype;
    final float[] f;
    final int[] i;
    final short[] h;

    private CpuStorage(DType dtype, float[] f, int[] i, short[] h) {
        this.dtype = dtype;
        this.f = f;
        this.i = i;
        this.h = h;
    }

    static CpuStorage allocate(DType dtype, long elements) {
        if (elements > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("the cpu backend holds at most " + (Integer.MAX_VALUE - 64)
                    + " elements per storage, asked for " + elements);
        }
        int n = (int) elements;
        return switch (dtype) {
            case F32 -> new CpuStorage(dtype, new float[n], null, null);
            case I32 -> new CpuStorage(dtype, null, new int[n], null);
            case BF16 -> new CpuStorage(dtype, null, null, new short[n]);
        };
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long capacity() {
        return switch (dtype) {
            case F32 -> f.length;
            case I32 -> i.length;
            case BF16 -> h.length;
        };
    }

    @Override
    public String backendName() {
        return "cpu";
    }
}
