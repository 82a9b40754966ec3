package io.fusion4j.tensor.cpu;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/** Test helpers: host arrays into backend tensors and back. */
final class HostCopies {
    private HostCopies() {
    }

    static Tensor put(Backend be, float[] v, long... dims) {
        Tensor t = be.allocate(DType.F32, Shape.of(dims));
        be.copyFromHost(v, t);
        return t;
    }

    static float[] get(Backend be, Tensor t) {
        float[] out = new float[(int) t.numel()];
        be.copyToHost(t, out);
        return out;
    }
}
