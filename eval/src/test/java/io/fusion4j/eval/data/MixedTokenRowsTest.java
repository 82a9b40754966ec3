package io.fusion4j.eval.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.data.CaptionedImage;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.GridImageTokenizer;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.MixedSequenceSource;
import io.fusion4j.api.data.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Source rows become file rows: own positions first, padding filled with the next rows' start, EOS then BOS. */
class MixedTokenRowsTest {
    // Text ids 0..9, BOS 10, EOS 11, BOI 12, EOI 13, image codes 14..17.
    private static final Vocabulary V = Vocabulary.of(10, 4);
    /** A 2x2 grey image whose pixels quantise to codes 0, 1, 2, 3 with cells of 1 pixel and 4 levels. */
    private static final Image RAMP = new Image(1, 2, 2, new float[]{0f, .3f, .6f, 1f});

    @TempDir
    Path dir;

    private static MixedSequenceSource source(int width, List<int[]> texts) {
        List<CaptionedImage> pairs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            pairs.add(new CaptionedImage(new int[]{i, i + 1}, RAMP));
        }
        return new MixedSequenceSource(V, GridImageTokenizer.discrete(1, 4), pairs, texts,
                MixedSequenceSource.Options.moma(MixedTokenRows.BATCH_ROWS, width, 11));
    }

    @Test
    void eachRowIsASourceRowFilledWithTheStartOfTheNext() {
        // A pair is BOS c c BOI 4 codes EOI EOS (or image first): 10 positions; rows of 13 pad 3, which are filled.
        MixedSequenceSource s = source(13, List.of());
        MixedTokenRows.Rows rows = MixedTokenRows.build(s, V, 7, 12, done -> { });
        MixedBatch b = s.batchAt(DataPosition.START);
        assertThat(b.validLength()[0]).isEqualTo(10);
        for (int r = 0; r < 7; r++) {
            int[] row = Arrays.copyOfRange(rows.tokens(), r * 13, (r + 1) * 13);
            int[] own = Arrays.copyOfRange(b.ids(), r * 13, r * 13 + 10);
            int[] next = Arrays.copyOfRange(b.ids(), (r + 1) * 13, (r + 1) * 13 + 3);
            assertThat(Arrays.copyOfRange(row, 0, 10)).isEqualTo(own);
            assertThat(Arrays.copyOfRange(row, 10, 13)).isEqualTo(next);
            assertThat(row[9]).isEqualTo(V.eos());
            assertThat(row[10]).as("EOS is followed by the next document's BOS").isEqualTo(V.bos());
            for (int t = 0; t < 13; t++) {
                assertThat(rows.modality()[r * 13 + t]).isEqualTo(V.modalityOf(row[t]).ordinal());
            }
        }
        assertThat(rows.repeated()).isEqualTo(7 * 3);
        assertThat(rows.imageTokens()).isEqualTo(Arrays.stream(rows.modality()).filter(m -> m == 1).count());
        assertThat(rows.textTokens() + rows.imageTokens()).isEqualTo(7 * 13);
        assertThat(rows.documents()).isEqualTo(7);
        assertThat(rows.documentsPerEpoch()).isEqualTo(5);
    }

    @Test
    void aLongTextDocumentContinuesInTheNextRow() {
        // Pairs of a 4x4 image are 22 positions (16 codes), so text is mixed in; a text document of 40 ids is 42
        // positions, longer than a row of 24: cut into two pieces, the second starting a row without a BOS.
        float[] px = new float[16];
        for (int i = 0; i < 16; i++) {
            px[i] = i / 16f;
        }
        Image image = new Image(1, 4, 4, px);
        List<CaptionedImage> pairs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            pairs.add(new CaptionedImage(new int[]{i, i + 1}, image));
        }
        int[] text = new int[40];
        Arrays.fill(text, 3);
        MixedSequenceSource s = new MixedSequenceSource(V, GridImageTokenizer.discrete(1, 4), pairs,
                List.<int[]>of(text), MixedSequenceSource.Options.moma(MixedTokenRows.BATCH_ROWS, 24, 11));
        MixedTokenRows.Rows rows = MixedTokenRows.build(s, V, 40, 23, done -> { });
        MixedBatch b = s.batchAt(DataPosition.START);
        int pieces = 0;
        for (int r = 0, k = 0; r < 40; r++, k++) {
            while (b.validLength()[k] == 0) {
                k++; // only empty source rows are skipped
            }
            int n = b.validLength()[k];
            assertThat(Arrays.copyOfRange(rows.tokens(), r * 24, r * 24 + n))
                    .isEqualTo(Arrays.copyOfRange(b.ids(), k * 24, k * 24 + n));
            if (rows.tokens()[r * 24] != V.bos()) {
                pieces++;
                assertThat(rows.tokens()[r * 24]).isEqualTo(3);
            }
        }
        assertThat(pieces).as("some rows continue a text document").isPositive();
        assertThat(rows.textShare()).isBetween(0.3, 0.8);
    }

    @Test
    void theFileIsWrittenWholeAndReadsBack() throws Exception {
        MixedTokenRows.Rows rows = MixedTokenRows.build(source(13, List.of()), V, 4, 12, done -> { });
        Path f = dir.resolve("rows.safetensors");
        MixedTokenRows.write(rows, Map.of("vocab", Integer.toString(V.size()), "image_offset", "14", "image_codes",
                "4"), f);
        TokenRows back = TokenRows.read(f);
        assertThat(back.count()).isEqualTo(4);
        assertThat(back.length()).isEqualTo(12);
        MixedBatch batch = back.batch(new int[]{0, 1, 2, 3}, DataPosition.START);
        for (int r = 0; r < 4; r++) {
            for (int t = 0; t < 12; t++) {
                assertThat(batch.ids()[r * 12 + t]).isEqualTo(rows.tokens()[r * 13 + t]);
                assertThat(batch.targets()[r * 12 + t]).isEqualTo(rows.tokens()[r * 13 + t + 1]);
                assertThat(back.modalityAt(r, t)).isEqualTo((byte) rows.modality()[r * 13 + t]);
            }
        }
        try (var left = Files.list(dir)) {
            assertThat(left).containsExactly(f);
        }
    }
}
