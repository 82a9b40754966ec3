package io.fusion4j.api.io;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file opened for reading, validated as strictly as the reference parser before any
 * tensor is read: the header length is capped and checked against the file size before anything is
 * allocated for it; the header is strict UTF-8 JSON without duplicate names; each tensor's dtype is
 * known, its shape × dtype size does not overflow and equals its byte span; the spans are contiguous
 * from 0 with no gap or overlap; the last one ends exactly at the end of the file. Every error names
 * the file and the tensor or byte position at fault.
 *
 * <p>Format: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code {"__metadata__": {..}, "name": {"dtype", "shape", "data_offsets": [begin, end]}}}), then the
 * data section, little-endian, offsets relative to its start.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference parser's cap on the header length. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, TensorEntry> entries;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, String> metadata,
                            Map<String, TensorEntry> entries) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.metadata = metadata;
        this.entries = entries;
    }

    /** Opens and validates {@code path}; throws {@link SafetensorsException} for a malformed file. */
    public static SafetensorsFile open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return validate(path, ch);
        } catch (RuntimeException | IOException e) {
            ch.close();
            throw e;
        }
    }

    private static SafetensorsException bad(Path path, String what) {
        return new SafetensorsException(path + ": " + what);
    }

    private static SafetensorsFile validate(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw bad(path, "truncated: the file has " + size + " bytes, the header length field alone needs 8");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw bad(path, "the header length at byte 0 is " + Long.toUnsignedString(n) + ", over the cap of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (8 + n > size) {
            throw bad(path, "truncated: the header length at byte 0 claims " + n + " bytes but only " + (size - 8)
                    + " follow it");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8);
        hb.flip();
        String header;
        try {
            header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw bad(path, "the header (bytes 8 to " + (8 + n) + ") is not valid UTF-8");
        }
        if (header.isEmpty() || header.charAt(0) != '{') {
            throw bad(path, "the header at byte 8 must start with '{'");
        }
        Map<String, Object> json;
        try {
            json = HeaderJson.parseObject(header, 8);
        } catch (SafetensorsException e) {
            throw bad(path, e.getMessage());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorEntry> list = new ArrayList<>();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw bad(path, "__metadata__ must be an object of strings");
                }
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String v)) {
                        throw bad(path, "__metadata__ value of \"" + me.getKey() + "\" must be a string");
                    }
                    metadata.put((String) me.getKey(), v);
                }
                continue;
            }
            list.add(entry(path, e.getKey(), e.getValue()));
        }
        long dataLength = size - 8 - n;
        List<TensorEntry> byOffset = new ArrayList<>(list);
        byOffset.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        long expected = 0;
        String previous = null;
        for (TensorEntry t : byOffset) {
            if (t.begin() != expected) {
                throw bad(path, "tensor '" + t.name() + "' starts at data byte " + t.begin() + " but "
                        + (previous == null ? "the data section starts at 0" : "'" + previous + "' ends at " + expected)
                        + (t.begin() > expected ? " (a gap)" : " (an overlap)"));
            }
            expected = t.end();
            previous = t.name();
        }
        if (expected > dataLength) {
            throw bad(path, "truncated: tensor '" + previous + "' ends at data byte " + expected
                    + " but the data section holds " + dataLength + " bytes");
        }
        if (expected < dataLength) {
            throw bad(path, (dataLength - expected) + " trailing bytes after the last tensor (data ends at " + expected
                    + ", the data section holds " + dataLength + " bytes)");
        }
        Map<String, TensorEntry> entries = new LinkedHashMap<>();
        for (TensorEntry t : list) {
            entries.put(t.name(), t);
        }
        return new SafetensorsFile(path, ch, 8 + n, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(entries));
    }

    private static TensorEntry entry(Path path, String name, Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            throw bad(path, "tensor '" + name + "' must be an object with dtype, shape and data_offsets");
        }
        for (Object k : m.keySet()) {
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw bad(path, "tensor '" + name + "' has an unknown field \"" + k + "\"");
            }
        }
        if (!(m.get("dtype") instanceof String dt)) {
            throw bad(path, "tensor '" + name + "' lacks a string dtype");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(dt);
        } catch (IllegalArgumentException e) {
            throw bad(path, "tensor '" + name + "': " + e.getMessage());
        }
        if (!(m.get("shape") instanceof List<?> sh)) {
            throw bad(path, "tensor '" + name + "' lacks a shape array");
        }
        long[] dims = new long[sh.size()];
        long numel = 1;
        for (int d = 0; d < dims.length; d++) {
            if (!(sh.get(d) instanceof Long v)) {
                throw bad(path, "tensor '" + name + "' shape entry " + d + " is not an integer");
            }
            dims[d] = v;
            try {
                numel = Math.multiplyExact(numel, v);
            } catch (ArithmeticException e) {
                throw bad(path, "tensor '" + name + "' shape " + sh + " overflows a 64-bit element count");
            }
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw bad(path, "tensor '" + name + "' shape " + sh + " of " + dtype + " overflows a 64-bit byte count");
        }
        if (!(m.get("data_offsets") instanceof List<?> off) || off.size() != 2
                || !(off.get(0) instanceof Long begin) || !(off.get(1) instanceof Long end)) {
            throw bad(path, "tensor '" + name + "' needs data_offsets [begin, end]");
        }
        if (end < begin) {
            throw bad(path, "tensor '" + name + "' has data_offsets [" + begin + ", " + end + "] that end before they begin");
        }
        if (end - begin != bytes) {
            throw bad(path, "tensor '" + name + "' of shape " + sh + " and dtype " + dtype + " needs " + bytes
                    + " bytes but its data_offsets span " + (end - begin));
        }
        return new TensorEntry(name, dtype, Shape.of(dims), begin, end);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + (pos + b.position()));
            }
        }
    }

    public Path path() {
        return path;
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensors in header order. */
    public Map<String, TensorEntry> entries() {
        return entries;
    }

    /** The entry called {@code name}. */
    public TensorEntry entry(String name) {
        TensorEntry e = entries.get(name);
        if (e == null) {
            throw new SafetensorsException(path + ": no tensor named '" + name + "' (it has " + entries.keySet() + ")");
        }
        return e;
    }

    /** Reads a tensor's raw little-endian bytes. */
    public ByteBuffer bytes(String name) throws IOException {
        TensorEntry e = entry(name);
        if (e.byteLength() > Integer.MAX_VALUE) {
            throw new SafetensorsException(path + ": tensor '" + name + "' has " + e.byteLength()
                    + " bytes, more than one read supports");
        }
        ByteBuffer b = ByteBuffer.allocate((int) e.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, b, dataStart + e.begin());
        b.flip();
        return b;
    }

    /** Reads an F32 or BF16 tensor as floats into {@code dst} (its length must be the element count). */
    public void readFloats(String name, float[] dst) throws IOException {
        TensorEntry e = entry(name);
        checkLength(e, dst.length);
        ByteBuffer b = bytes(name);
        switch (e.dtype()) {
            case F32 -> b.asFloatBuffer().get(dst);
            case BF16 -> {
                for (int i = 0; i < dst.length; i++) {
                    dst[i] = DType.fromBf16(b.getShort(2 * i));
                }
            }
            case I32 -> throw new SafetensorsException(path + ": tensor '" + name + "' is I32, not a float tensor");
        }
    }

    /** Reads an I32 tensor into {@code dst}. */
    public void readInts(String name, int[] dst) throws IOException {
        TensorEntry e = entry(name);
        checkLength(e, dst.length);
        if (e.dtype() != DType.I32) {
            throw new SafetensorsException(path + ": tensor '" + name + "' is " + e.dtype() + ", not I32");
        }
        bytes(name).asIntBuffer().get(dst);
    }

    private void checkLength(TensorEntry e, int length) {
        if (e.shape().numel() != length) {
            throw new SafetensorsException(path + ": tensor '" + e.name() + "' has " + e.shape().numel()
                    + " elements (shape " + e.shape() + "), the destination holds " + length);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
