package io.fusion4j.eval.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.io.SafetensorsWriter;
import io.fusion4j.api.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

class TokenRowsTest {
    @TempDir
    Path dir;

    private Path write(int n, int width, int vocab, boolean withModality, String imageOffset) throws Exception {
        SplittableRandom r = new SplittableRandom(n);
        int[] ids = r.ints((long) n * width, 0, vocab).toArray();
        SafetensorsWriter w = new SafetensorsWriter().metadata("vocab", Integer.toString(vocab));
        if (imageOffset != null) {
            w.metadata("image_offset", imageOffset).metadata("image_codes", Integer.toString(vocab - Integer.parseInt(
                    imageOffset)));
        }
        w.addI32(TokenRows.TOKENS, Shape.of(n, width), ids);
        if (withModality) {
            int[] mod = new int[ids.length];
            for (int i = 0; i < mod.length; i++) {
                mod[i] = i % 3 == 0 ? 1 : 0;
            }
            w.addI32(TokenRows.MODALITY, Shape.of(n, width), mod);
        }
        Path f = dir.resolve("rows-" + n + "-" + withModality + ".safetensors");
        w.write(f);
        return f;
    }

    @Test
    void rowsRoundTripExactlyIntoBatches() throws Exception {
        Path f = write(6, 9, 50, true, null);
        TokenRows rows = TokenRows.read(f);
        assertThat(rows.count()).isEqualTo(6);
        assertThat(rows.length()).isEqualTo(8);
        MixedBatch b = rows.batch(new int[]{4, 1}, DataPosition.START);
        SplittableRandom r = new SplittableRandom(6);
        int[] ids = r.ints(6L * 9, 0, 50).toArray();
        for (int k = 0; k < 2; k++) {
            int src = new int[]{4, 1}[k] * 9;
            for (int t = 0; t < 8; t++) {
                assertThat(b.ids()[k * 8 + t]).isEqualTo(ids[src + t]);
                assertThat(b.targets()[k * 8 + t]).isEqualTo(ids[src + t + 1]);
                assertThat(b.modality()[k * 8 + t]).isEqualTo((byte) ((src + t) % 3 == 0 ? 1 : 0));
                assertThat(b.targetModality()[k * 8 + t]).isEqualTo((byte) ((src + t + 1) % 3 == 0 ? 1 : 0));
            }
        }
        // Without modality rows, the image-code range decides.
        TokenRows ranged = TokenRows.read(write(4, 5, 30, false, "20"));
        MixedBatch rb = ranged.batch(new int[]{0, 1, 2, 3}, DataPosition.START);
        for (int i = 0; i < rb.ids().length; i++) {
            assertThat(Modality.of(rb.modality()[i])).isEqualTo(rb.ids()[i] >= 20 ? Modality.IMAGE : Modality.TEXT);
        }
    }

    @Test
    void theOrderCoversEveryRowOnceAnEpochAndResumesExactly() throws Exception {
        TokenRows rows = TokenRows.read(write(10, 4, 20, false, null));
        List<MixedBatch> stream;
        try (var s = rows.source(3, 7).from(DataPosition.START)) {
            stream = s.limit(7).toList(); // 21 samples: two epochs and one more
        }
        java.util.Set<String> firstEpoch = new java.util.HashSet<>();
        List<MixedBatch> flat = new ArrayList<>(stream);
        for (int i = 0; i < 10; i++) {
            MixedBatch b = flat.get(i / 3);
            firstEpoch.add(java.util.Arrays.toString(java.util.Arrays.copyOfRange(b.ids(), (i % 3) * 4, (i % 3) * 4 + 4)));
        }
        assertThat(firstEpoch).hasSize(10);
        try (var s = rows.source(3, 7).from(stream.get(3).position())) {
            List<MixedBatch> resumed = s.limit(3).toList();
            for (int i = 0; i < 3; i++) {
                assertThat(resumed.get(i).ids()).containsExactly(stream.get(4 + i).ids());
            }
        }
    }

    @Test
    void badFilesNameWhatIsWrong() throws Exception {
        SafetensorsWriter w = new SafetensorsWriter();
        w.addI32(TokenRows.TOKENS, Shape.of(2, 3), new int[]{1, 2, 3, 4, 5, 6});
        Path noVocab = dir.resolve("novocab.safetensors");
        w.write(noVocab);
        assertThatThrownBy(() -> TokenRows.read(noVocab)).hasMessage(noVocab + ": __metadata__ needs \"vocab\", the"
                + " vocabulary size (a positive integer)");
        SafetensorsWriter w2 = new SafetensorsWriter().metadata("vocab", "5");
        w2.addI32(TokenRows.TOKENS, Shape.of(2, 3), new int[]{1, 2, 3, 4, 5, 0});
        Path outside = dir.resolve("outside.safetensors");
        w2.write(outside);
        assertThatThrownBy(() -> TokenRows.read(outside)).hasMessage(outside + ": 'tokens' row 1 position 1 holds id 5,"
                + " outside the vocabulary [0, 5)");
        SafetensorsWriter w3 = new SafetensorsWriter().metadata("vocab", "5");
        w3.addF32(TokenRows.TOKENS, Shape.of(2, 3), new float[6]);
        Path f32 = dir.resolve("f32.safetensors");
        w3.write(f32);
        assertThatThrownBy(() -> TokenRows.read(f32)).hasMessageContaining("expected an I32 tensor 'tokens' of shape [N,"
                + " T+1]").hasMessageContaining("found F32 [2, 3]");
    }
}
