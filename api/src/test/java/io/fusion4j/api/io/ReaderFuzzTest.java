package io.fusion4j.api.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded random mutations of valid files (byte flips, overwrites, truncations, insertions, duplicated runs): every
 * mutant either reads back exactly what was written or is refused with a {@link SafetensorsException} or an
 * {@link IOException} naming the reason. Nothing else (no overflow, no out-of-memory, no stack overflow, no
 * unchecked exception) may escape.
 */
class ReaderFuzzTest {
    private static final int MUTANTS = 1500;

    @TempDir
    Path dir;

    private static byte[] mutate(byte[] valid, SplittableRandom r) {
        byte[] b = valid.clone();
        switch (r.nextInt(5)) {
            case 0 -> {
                for (int k = 1 + r.nextInt(3); k > 0; k--) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> b[r.nextInt(b.length)] = (byte) "{}[]\",:0123456789-eE.\\\u0000\u00ff".charAt(r.nextInt(24));
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length));
            case 3 -> {
                int at = r.nextInt(b.length);
                byte[] c = new byte[b.length + 1];
                System.arraycopy(b, 0, c, 0, at);
                c[at] = (byte) r.nextInt(256);
                System.arraycopy(b, at, c, at + 1, b.length - at);
                b = c;
            }
            default -> {
                int from = r.nextInt(b.length);
                int len = 1 + r.nextInt(Math.min(16, b.length - from));
                byte[] c = new byte[b.length + len];
                System.arraycopy(b, 0, c, 0, from + len);
                System.arraycopy(b, from, c, from + len, b.length - from);
                b = c;
            }
        }
        // Sometimes make the header length field claim something wild.
        if (r.nextInt(10) == 0 && b.length >= 8) {
            long claim = r.nextBoolean() ? r.nextLong() : r.nextInt(1 << 20);
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (claim >>> (8 * i));
            }
        }
        return b;
    }

    @Test
    void mutatedSafetensorsFilesReadIdenticallyOrAreRefusedWithAReason() throws Exception {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        tensors.put("layers.0.attn.wq", new float[]{1, 2, 3, 4, 5, 6});
        tensors.put("norm", new float[]{0.5f, -0.25f});
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "fusion4j");
        w.addF32("layers.0.attn.wq", Shape.of(2, 3), tensors.get("layers.0.attn.wq"));
        w.addF32("norm", Shape.of(2), tensors.get("norm"));
        Path valid = dir.resolve("valid.safetensors");
        w.write(valid);
        byte[] bytes = Files.readAllBytes(valid);
        SplittableRandom r = new SplittableRandom(42);
        int refused = 0;
        int identical = 0;
        for (int i = 0; i < MUTANTS; i++) {
            Path f = dir.resolve("m.safetensors");
            Files.write(f, mutate(bytes, r));
            try (SafetensorsFile s = SafetensorsFile.open(f)) {
                boolean same = true;
                for (var e : tensors.entrySet()) {
                    float[] got = new float[e.getValue().length];
                    s.readFloats(e.getKey(), got);
                    same &= Arrays.equals(got, e.getValue());
                }
                // A flipped data bit changes a value without breaking the format: only the manifest's checksum can
                // catch that (CheckpointStore checks it first); the reader's part is to stay in bounds.
                identical += same ? 1 : 0;
            } catch (SafetensorsException | IOException e) {
                assertThat(e.getMessage()).as("mutant %d", i).isNotBlank();
                refused++;
            }
        }
        assertThat(refused).as("mutants refused").isGreaterThan(MUTANTS / 2);
        assertThat(identical).as("mutants that read back identically (whitespace, metadata)").isPositive();
    }

    @Test
    void mutatedManifestsAndTrainerStatesParseOrAreRefusedWithAReason() throws Exception {
        String state = new TrainerState(12, 1, 7, 99, 0, 123456).toJson();
        String manifest = "{\"config.json\":{\"sha256\":\"ab12\",\"bytes\":12},\"model.safetensors\":{\"sha256\":\"cd\","
                + "\"bytes\":3456}}\n";
        SplittableRandom r = new SplittableRandom(7);
        int refused = 0;
        for (int i = 0; i < MUTANTS; i++) {
            byte[] m = mutate(state.getBytes(StandardCharsets.UTF_8), r);
            Path f = dir.resolve("trainer_state.json");
            Files.write(f, m);
            try {
                TrainerState.fromJson(BoundedText.read(f, BoundedText.SMALL), f.toString());
            } catch (SafetensorsException | IOException e) {
                assertThat(e.getMessage()).as("state mutant %d", i).contains(f.toString());
                refused++;
            }
            byte[] mm = mutate(manifest.getBytes(StandardCharsets.UTF_8), r);
            Files.write(f, mm);
            try {
                HeaderJson.parseObject(BoundedText.read(f, BoundedText.SMALL), 0, f.toString());
            } catch (SafetensorsException | IOException e) {
                assertThat(e.getMessage()).as("manifest mutant %d", i).contains(f.toString());
                refused++;
            }
        }
        assertThat(refused).isGreaterThan(MUTANTS / 2);
    }
}
