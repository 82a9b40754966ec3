package io.fusion4j.api.nn;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.Arrays;

/**
 * Keys and values of the positions decoded so far, per layer, laid out {@code [heads, capacity, headDim]} so each
 * head's first {@code length(layer)} rows are one contiguous matrix for the score and value products.
 *
 * <p>Each layer keeps its own length and the sequence position of each entry, because a depth-routed layer stores
 * only the positions it processed; {@link #position()} is the number of positions decoded in all. {@link #truncate}
 * rolls the cache back to a shorter prefix (re-denoising an image span, a classifier-free-guidance branch, a
 * rejected draft).
 */
public final class KvCache {
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int capacity;
    private final int[] lengths;
    private final int[][] entryPositions;
    private int position;

    public KvCache(Backend backend, DecoderConfig c, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("KV cache capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        this.keys = new Tensor[c.layers()];
        this.values = new Tensor[c.layers()];
        this.lengths = new int[c.layers()];
        this.entryPositions = new int[c.layers()][capacity];
        for (int l = 0; l < c.layers(); l++) {
            keys[l] = backend.allocate(DType.F32, Shape.of(c.heads(), capacity, c.headDim()));
            values[l] = backend.allocate(DType.F32, Shape.of(c.heads(), capacity, c.headDim()));
        }
    }

    /** Positions decoded so far (the next position's index). */
    public int position() {
        return position;
    }

    /** Positions decoded so far; equal to every layer's length when no layer skips positions. */
    public int length() {
        return position;
    }

    /** Entries layer {@code layer} holds. */
    public int length(int layer) {
        return lengths[layer];
    }

    public int capacity() {
        return capacity;
    }

    public int layers() {
        return lengths.length;
    }

    Tensor keys(int layer) {
        return keys[layer];
    }

    Tensor values(int layer) {
        return values[layer];
    }

    /** Records that layer {@code layer} stored entries for the next {@code n} positions from the current one. */
    void appended(int layer, int n) {
        if (lengths[layer] + n > capacity) {
            throw new IllegalStateException("KV cache of layer " + layer + " is full (" + capacity + " positions)");
        }
        for (int j = 0; j < n; j++) {
            entryPositions[layer][lengths[layer]++] = position + j;
        }
    }

    /** Marks the current position as decoded (after every layer that processes it stored it). */
    void advance() {
        advance(1);
    }

    /** Marks the next {@code n} positions as decoded. */
    void advance(int n) {
        if (position + n > capacity) {
            throw new IllegalStateException("KV cache is full (" + capacity + " positions)");
        }
        position += n;
    }

    /**
     * Forgets every position from {@code newPosition} on: each layer keeps only its entries for earlier positions.
     */
    public void truncate(int newPosition) {
        if (newPosition < 0 || newPosition > position) {
            throw new IllegalArgumentException("truncate: expected a position in [0, " + position + "], found "
                    + newPosition);
        }
        for (int l = 0; l < lengths.length; l++) {
            int keep = Arrays.binarySearch(entryPositions[l], 0, lengths[l], newPosition);
            lengths[l] = keep >= 0 ? keep : -keep - 1; // entries are stored in increasing position order
        }
        position = newPosition;
    }

    /** Forgets every cached position. */
    public void clear() {
        truncate(0);
    }
}
