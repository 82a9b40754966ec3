package io.fusion4j.api.nn;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/**
 * Keys and values of the positions decoded so far, per layer, laid out {@code [heads, capacity, headDim]} so
 * each head's first {@code length} rows are one contiguous matrix for the score and value products.
 */
public final class KvCache {
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int capacity;
    private int length;

    public KvCache(Backend backend, DecoderConfig c, int capacity) {
        this.capacity = capacity;
        this.keys = new Tensor[c.layers()];
        this.values = new Tensor[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            keys[l] = backend.allocate(DType.F32, Shape.of(c.heads(), capacity, c.headDim()));
            values[l] = backend.allocate(DType.F32, Shape.of(c.heads(), capacity, c.headDim()));
        }
    }

    /** Positions cached so far. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    Tensor keys(int layer) {
        return keys[layer];
    }

    Tensor values(int layer) {
        return values[layer];
    }

    /** Marks one more position as cached (after every layer stored it). */
    void advance() {
        if (length >= capacity) {
            throw new IllegalStateException("KV cache is full (" + capacity + " positions)");
        }
        length++;
    }

    /** Forgets every cached position. */
    public void clear() {
        length = 0;
    }
}
