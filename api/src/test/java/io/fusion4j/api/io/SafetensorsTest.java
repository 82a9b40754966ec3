package io.fusion4j.api.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** A file from a raw header string and data bytes (length field computed unless given). */
    private Path raw(String header, byte[] data, Long lengthField) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(lengthField != null ? lengthField : h.length).array());
        out.write(h);
        out.write(data);
        Path p = Files.createTempFile(dir, "t", ".safetensors");
        Files.write(p, out.toByteArray());
        return p;
    }

    private Path raw(String header, int dataBytes) throws Exception {
        return raw(header, new byte[dataBytes], null);
    }

    @Test
    void roundTripKeepsEveryBitAndAlignsTheDataSection() throws Exception {
        float[] f = {1.5f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, 3.25f};
        short[] h = {DType.toBf16(1f), DType.toBf16(-2.5f), DType.toBf16(1e-3f)};
        int[] ids = {0, -7, Integer.MAX_VALUE};
        Path p = dir.resolve("m.safetensors");
        new SafetensorsWriter().metadata("format", "fusion4j \"v1\"\n").addF32("layers.0.w", Shape.of(2, 3), f)
                .addBf16("emb", Shape.of(3), h).addI32("ids", Shape.of(3), ids).addF32("empty", Shape.of(0, 4), new float[0])
                .write(p);
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLen % 8).isZero();
        try (SafetensorsFile s = SafetensorsFile.open(p)) {
            assertThat(s.metadata()).containsEntry("format", "fusion4j \"v1\"\n");
            assertThat(s.entries().keySet()).containsExactly("layers.0.w", "emb", "ids", "empty");
            assertThat(s.entry("layers.0.w").shape()).isEqualTo(Shape.of(2, 3));
            float[] back = new float[6];
            s.readFloats("layers.0.w", back);
            for (int i = 0; i < 6; i++) {
                assertThat(Float.floatToRawIntBits(back[i])).isEqualTo(Float.floatToRawIntBits(f[i]));
            }
            float[] b16 = new float[3];
            s.readFloats("emb", b16);
            assertThat(b16).containsExactly(1f, -2.5f, DType.fromBf16(h[2]));
            int[] ib = new int[3];
            s.readInts("ids", ib);
            assertThat(ib).containsExactly(ids);
            assertThatThrownBy(() -> s.readFloats("ids", new float[3])).hasMessageContaining("'ids' is I32");
            assertThatThrownBy(() -> s.readFloats("emb", new float[4])).hasMessageContaining("3 elements");
            assertThatThrownBy(() -> s.entry("nope")).hasMessageContaining("no tensor named 'nope'");
        }
    }

    @ParameterizedTest(name = "cut at {0} bytes")
    @ValueSource(ints = {0, 3, 7, 8, 20, 60, 90})
    void truncatedFilesFailWithWhereTheyEnd(int keep) throws Exception {
        Path p = dir.resolve("full.safetensors");
        new SafetensorsWriter().addF32("a", Shape.of(4), new float[]{1, 2, 3, 4}).addF32("b", Shape.of(2), new float[]{5, 6})
                .write(p);
        byte[] all = Files.readAllBytes(p);
        assertThat(all.length).isGreaterThan(90);
        Path cut = dir.resolve("cut" + keep);
        Files.write(cut, Arrays.copyOf(all, keep));
        assertThatThrownBy(() -> SafetensorsFile.open(cut)).isInstanceOf(SafetensorsException.class)
                .hasMessageStartingWith(cut.toString()).hasMessageContaining("truncated");
    }

    @Test
    void aHeaderOverTheCapIsRejectedBeforeAnythingIsAllocated() throws Exception {
        Path p = raw("{}", new byte[0], 100_000_001L);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).hasMessageContaining("header length at byte 0 is 100000001")
                .hasMessageContaining("cap of 100000000");
        Path neg = raw("{}", new byte[0], -1L);
        assertThatThrownBy(() -> SafetensorsFile.open(neg)).hasMessageContaining("18446744073709551615");
    }

    @Test
    void overlappingAndGappedOffsetsNameTheTensors() throws Exception {
        Path overlap = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        assertThatThrownBy(() -> SafetensorsFile.open(overlap))
                .hasMessageContaining("tensor 'b' starts at data byte 4 but 'a' ends at 8 (an overlap)");
        Path gap = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16);
        assertThatThrownBy(() -> SafetensorsFile.open(gap))
                .hasMessageContaining("tensor 'b' starts at data byte 12 but 'a' ends at 8 (a gap)");
        Path notFromZero = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        assertThatThrownBy(() -> SafetensorsFile.open(notFromZero)).hasMessageContaining("the data section starts at 0");
    }

    @Test
    void unknownDtypeDuplicateNamesAndOverflowingShapesAreRejected() throws Exception {
        Path f16 = raw("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4);
        assertThatThrownBy(() -> SafetensorsFile.open(f16)).hasMessageContaining("tensor 'a'")
                .hasMessageContaining("unsupported dtype \"F16\"");
        Path dup = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        assertThatThrownBy(() -> SafetensorsFile.open(dup)).hasMessageContaining("duplicate key \"a\"")
                .hasMessageContaining("at byte 62"); // 8 + index of the second "a"
        Path overflow = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4);
        assertThatThrownBy(() -> SafetensorsFile.open(overflow)).hasMessageContaining("tensor 'a' shape")
                .hasMessageContaining("overflows");
        Path bytesOverflow = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]}}", 4);
        assertThatThrownBy(() -> SafetensorsFile.open(bytesOverflow)).hasMessageContaining("overflows a 64-bit byte count");
    }

    @Test
    void sizeMismatchTrailingBytesAndBadHeadersAreRejected() throws Exception {
        Path mismatch = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20);
        assertThatThrownBy(() -> SafetensorsFile.open(mismatch))
                .hasMessageContaining("tensor 'a' of shape [2, 3] and dtype F32 needs 24 bytes but its data_offsets span 20");
        Path trailing = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 7);
        assertThatThrownBy(() -> SafetensorsFile.open(trailing)).hasMessageContaining("3 trailing bytes after the last tensor");
        Path notUtf8 = raw("", new byte[0], 0L);
        Files.write(notUtf8, concat(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(2).array(),
                new byte[]{(byte) 0xC3, (byte) 0x28}));
        assertThatThrownBy(() -> SafetensorsFile.open(notUtf8)).hasMessageContaining("not valid UTF-8");
        Path garbage = raw("{} x", 0);
        assertThatThrownBy(() -> SafetensorsFile.open(garbage)).hasMessageContaining("at byte 11")
                .hasMessageContaining("trailing characters");
        Path notObject = raw("[]", 0);
        assertThatThrownBy(() -> SafetensorsFile.open(notObject)).hasMessageContaining("must start with '{'");
        Path unknownField = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4);
        assertThatThrownBy(() -> SafetensorsFile.open(unknownField)).hasMessageContaining("unknown field \"x\"");
        Path floatShape = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4);
        assertThatThrownBy(() -> SafetensorsFile.open(floatShape)).hasMessageContaining("only non-negative integers");
    }

    @Test
    void theWriterRejectsDuplicateNamesAndWrongLengths() {
        SafetensorsWriter w = new SafetensorsWriter().addF32("a", Shape.of(1), new float[1]);
        assertThatThrownBy(() -> w.addF32("a", Shape.of(1), new float[1])).hasMessageContaining("'a'");
        assertThatThrownBy(() -> w.addI32("b", Shape.of(2, 2), new int[3])).hasMessageContaining("4 elements")
                .hasMessageContaining("3 values");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
