package io.fusion4j.api.io;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;

/** One tensor of a safetensors file: name, dtype, shape and its byte range inside the data section. */
public record TensorEntry(String name, DType dtype, Shape shape, long begin, long end) {
    /** Bytes of data. */
    public long byteLength() {
        return end - begin;
    }
}
