package io.fusion4j.api.io;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file: header padded with spaces to a multiple of 8 bytes (so the data section is
 * aligned), tensors in the order added, contiguous from offset 0, and the file forced to disk before
 * {@link #write} returns. Callers that must never leave a partial file write to a temporary path and
 * rename (checkpoints do).
 */
public final class SafetensorsWriter {
    private record Pending(String name, DType dtype, Shape shape, Object data) {
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private final java.util.Set<String> names = new java.util.HashSet<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    private void add(String name, DType dtype, Shape shape, Object data, int length) {
        if (name.equals("__metadata__") || !names.add(name)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is reserved or already added");
        }
        if (shape.numel() != length) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + shape + " (" + shape.numel()
                    + " elements) but " + length + " values");
        }
        tensors.add(new Pending(name, dtype, shape, data));
    }

    public SafetensorsWriter addF32(String name, Shape shape, float[] data) {
        add(name, DType.F32, shape, data, data.length);
        return this;
    }

    /** BF16 given as its raw 16-bit patterns. */
    public SafetensorsWriter addBf16(String name, Shape shape, short[] bits) {
        add(name, DType.BF16, shape, bits, bits.length);
        return this;
    }

    public SafetensorsWriter addI32(String name, Shape shape, int[] data) {
        add(name, DType.I32, shape, data, data.length);
        return this;
    }

    /** The header JSON with offsets, padded to a multiple of 8 bytes. */
    byte[] header() {
        StringBuilder h = new StringBuilder("{");
        boolean first = true;
        if (!metadata.isEmpty()) {
            h.append("\"__metadata__\":{");
            boolean f = true;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                h.append(f ? "" : ",").append(HeaderJson.quote(e.getKey())).append(':').append(HeaderJson.quote(e.getValue()));
                f = false;
            }
            h.append('}');
            first = false;
        }
        long offset = 0;
        for (Pending t : tensors) {
            long bytes = t.shape().numel() * t.dtype().byteSize();
            h.append(first ? "" : ",").append(HeaderJson.quote(t.name())).append(":{\"dtype\":\"")
                    .append(t.dtype().safetensorsName()).append("\",\"shape\":[");
            long[] dims = t.shape().dims();
            for (int d = 0; d < dims.length; d++) {
                h.append(d == 0 ? "" : ",").append(dims[d]);
            }
            h.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
            first = false;
        }
        h.append('}');
        byte[] raw = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) / 8 * 8;
        byte[] out = java.util.Arrays.copyOf(raw, padded);
        java.util.Arrays.fill(out, raw.length, padded, (byte) ' ');
        return out;
    }

    /** Writes the file and forces it to disk. */
    public void write(Path path) throws IOException {
        byte[] header = header();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Pending t : tensors) {
                switch (t.data()) {
                    case float[] f -> {
                        for (int i = 0; i < f.length; ) {
                            int n = Math.min(f.length - i, chunk.capacity() / 4);
                            chunk.clear();
                            chunk.asFloatBuffer().put(f, i, n);
                            chunk.limit(4 * n);
                            writeFully(ch, chunk);
                            i += n;
                        }
                    }
                    case int[] v -> {
                        for (int i = 0; i < v.length; ) {
                            int n = Math.min(v.length - i, chunk.capacity() / 4);
                            chunk.clear();
                            chunk.asIntBuffer().put(v, i, n);
                            chunk.limit(4 * n);
                            writeFully(ch, chunk);
                            i += n;
                        }
                    }
                    case short[] v -> {
                        for (int i = 0; i < v.length; ) {
                            int n = Math.min(v.length - i, chunk.capacity() / 2);
                            chunk.clear();
                            chunk.asShortBuffer().put(v, i, n);
                            chunk.limit(2 * n);
                            writeFully(ch, chunk);
                            i += n;
                        }
                    }
                    default -> throw new IllegalStateException("unexpected data for " + t.name());
                }
            }
            ch.force(true);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
