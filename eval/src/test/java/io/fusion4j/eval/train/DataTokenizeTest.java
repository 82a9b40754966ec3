package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.data.Image;
import io.fusion4j.api.io.SafetensorsFile;
import io.fusion4j.eval.data.TokenRows;
import io.fusion4j.eval.image.Png;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** {@code data tokenize} writes mixed-modal rows that {@code train --tokens} reads, and refuses bad options. */
class DataTokenizeTest {
    @TempDir
    Path dir;

    /** The raw file: ids, modality codes and metadata. */
    private record Raw(int rows, int width, int[] tokens, int[] modality, Map<String, String> meta) {
        int meta(String key) {
            return Integer.parseInt(meta.get(key));
        }
    }

    private static Raw raw(Path f) throws Exception {
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            var e = s.entry(TokenRows.TOKENS);
            int rows = (int) e.shape().dim(0);
            int width = (int) e.shape().dim(1);
            int[] t = new int[rows * width];
            int[] m = new int[rows * width];
            s.readInts(TokenRows.TOKENS, t);
            s.readInts(TokenRows.MODALITY, m);
            return new Raw(rows, width, t, m, s.metadata());
        }
    }

    private CliRun.Result tokenize(String... args) {
        return CliRun.run(CliRun.concat(new String[]{"data", "tokenize"}, args));
    }

    @Test
    void rowsReadBackWithTheirVocabularyAndWholeImages() throws Exception {
        Path f = dir.resolve("train.safetensors");
        CliRun.Result r = tokenize("--rows", "48", "--length", "96", "--seed", "7", "--out", f.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out().strip().lines()).hasSize(1);
        assertThat(r.out()).startsWith("wrote 48 rows of 96 (+1) to " + f + ": vocab ").contains("tokens text ")
                .contains("% : image ");

        TokenRows rows = TokenRows.read(f);
        assertThat(rows.count()).isEqualTo(48);
        assertThat(rows.length()).isEqualTo(96);
        Raw raw = raw(f);
        int text = raw.meta("text_vocab");
        int offset = raw.meta("image_offset");
        int codes = raw.meta("image_codes");
        assertThat(codes).isEqualTo(64); // 32x32 shapes, 4x4 cells, 4 levels per colour channel
        assertThat(rows.vocab()).isEqualTo(raw.meta("vocab")).isEqualTo(offset + codes);
        assertThat(text).isGreaterThan(256).isLessThanOrEqualTo(512);
        int bos = raw.meta("bos");
        int eos = raw.meta("eos");
        int boi = raw.meta("boi");
        int eoi = raw.meta("eoi");
        assertThat(List.of(bos, eos, boi, eoi, offset)).containsExactly(text, text + 1, text + 2, text + 3, text + 4);
        assertThat(raw.meta().get("split")).isEqualTo("train");
        assertThat(raw.meta().get("text_tokenizer")).startsWith("#fusion4j byte-level BPE v1");

        long images = 0;
        for (int row = 0; row < raw.rows(); row++) {
            int o = row * raw.width();
            for (int t = 0; t < raw.width(); t++) {
                int id = raw.tokens()[o + t];
                boolean image = id >= offset && id < offset + codes;
                assertThat(raw.modality()[o + t]).as("row %d position %d id %d", row, t, id).isEqualTo(image ? 1 : 0);
                assertThat(id).isBetween(0, rows.vocab() - 1);
                if (!image) {
                    assertThat(id).isLessThan(offset);
                    continue;
                }
                images++;
                // An image never starts a row, always follows BOI, and is whole unless the row ends inside it.
                if (t == 0 || raw.tokens()[o + t - 1] < offset) {
                    assertThat(t).as("row %d starts inside an image", row).isPositive();
                    assertThat(raw.tokens()[o + t - 1]).isEqualTo(boi);
                    int end = t;
                    while (end < raw.width() && raw.tokens()[o + end] >= offset) {
                        end++;
                    }
                    if (end < raw.width()) {
                        assertThat(end - t).isEqualTo(64);
                        assertThat(raw.tokens()[o + end]).isEqualTo(eoi);
                    }
                }
            }
            assertThat(raw.tokens()[o]).as("row %d starts a document or a text piece", row).isLessThan(offset);
        }
        double imageShare = (double) images / raw.tokens().length;
        assertThat(imageShare).as("MoMa's mix: about as many text as image tokens").isBetween(0.35, 0.65);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("no temporary file is left").containsExactly(f);
        }

        // The same options write the same bytes.
        Path again = dir.resolve("again.safetensors");
        assertThat(tokenize("--rows", "48", "--length", "96", "--seed", "7", "--out", again.toString()).rc()).isZero();
        assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(f));
    }

    @Test
    void aHeldOutFileSharesTheVocabularyButNotTheRows() throws Exception {
        Path train = dir.resolve("train.safetensors");
        Path val = dir.resolve("val.safetensors");
        assertThat(tokenize("--rows", "16", "--seed", "3", "--out", train.toString()).rc()).isZero();
        CliRun.Result r = tokenize("--split", "held-out", "--rows", "16", "--seed", "3", "--out", val.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("shapes held-out");
        Raw a = raw(train);
        Raw b = raw(val);
        for (String key : List.of("vocab", "image_offset", "image_codes", "bos", "eos", "boi", "eoi", "text_vocab",
                "text_tokenizer", "image_tokenizer")) {
            assertThat(b.meta().get(key)).as(key).isEqualTo(a.meta().get(key));
        }
        assertThat(b.meta().get("split")).isEqualTo("held-out");
        assertThat(b.width()).isEqualTo(a.width()).isEqualTo(129);
        assertThat(b.tokens()).isNotEqualTo(a.tokens());
        // Different scenes: no row of one file is a row of the other.
        for (int i = 0; i < a.rows(); i++) {
            int[] ra = Arrays.copyOfRange(a.tokens(), i * 129, (i + 1) * 129);
            for (int j = 0; j < b.rows(); j++) {
                assertThat(Arrays.copyOfRange(b.tokens(), j * 129, (j + 1) * 129)).isNotEqualTo(ra);
            }
        }
        assertThat(TokenRows.read(val).vocab()).isEqualTo(TokenRows.read(train).vocab());
    }

    @Test
    void aFolderDatasetNeedsAHeldOutTenthForHeldOutRows() throws Exception {
        Path images = Files.createDirectories(dir.resolve("mine"));
        StringBuilder captions = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            float[] px = new float[16 * 16];
            Arrays.fill(px, i / 3f);
            Png.write(new Image(1, 16, 16, px), images.resolve(i + ".png"));
            captions.append(i).append(".png\ta grey square number ").append(i).append('\n');
        }
        Files.writeString(images.resolve("captions.tsv"), captions);
        Path f = dir.resolve("mine.safetensors");
        CliRun.Result ok = tokenize("--dataset", images.toString(), "--rows", "4", "--length", "40", "--text", "none",
                "--out", f.toString());
        assertThat(ok.rc()).as(ok.err()).isZero();
        Raw raw = raw(f);
        assertThat(raw.meta("image_codes")).isEqualTo(64); // grey: 64 levels
        assertThat(raw.meta().get("image_tokenizer")).isEqualTo("grid cell=4 levels=64 channels=1");

        CliRun.Result held = tokenize("--dataset", images.toString(), "--split", "held-out", "--out", f.toString());
        assertThat(held.rc()).isEqualTo(2);
        assertThat(held.err().strip()).isEqualTo("fusion4j: --split held-out: --dataset " + images + " has no held-out"
                + " examples (the held-out tenth of 3 is empty)");
    }

    @Test
    void badOptionsAreOneLineErrorsWithExitCode2() throws Exception {
        Path f = dir.resolve("kept.safetensors");
        Files.writeString(f, "an earlier file");
        String out = f.toString();
        String[][] cases = {
                {"--rows", "0", "--out", out}, {"--rows must be >= 1, found 0"},
                {"--rows", "many", "--out", out}, {"--rows", "'many' is not an int"},
                {"--length", "1", "--out", out}, {"--length must be >= 2, found 1"},
                {"--length", "40", "--out", out}, {"--length 40 is too short for the images: shapes training"
                        + " image 0 is 32x32, 64 codes at --cell 4, plus BOI and EOI; expected --length >= 65"},
                {"--split", "test", "--out", out}, {"--split: expected train or held-out, found test"},
                {"--vocab-text", "100", "--out", out}, {"--vocab-text must be in [256, 65536]", "found 100"},
                {"--dataset", "nowhere", "--out", out}, {"--dataset: expected a dataset", "found nowhere"},
                {"--cell", "5", "--out", out}, {"--cell 5 must divide both sides of every image", "is 32x32"},
                {"--split", "held-out", "--length", "40", "--out", out}, {"--length 40", "shapes held-out image 0"},
                {"--levels", "1", "--out", out}, {"--levels must be in [2, 256], found 1"},
                {"--levels", "64", "--out", out}, {"--levels 64 over 3 channels make 262144 image codes; at most"},
                {"--text", dir.resolve("missing.txt").toString(), "--out", out}, {"--text: expected 'builtin'",
                        "missing.txt (no such file or folder)"},
                {"--dataset", "mnist", "--size", "16", "--out", out}, {"--size applies to --dataset shapes and"
                        + " emoji only, found --dataset mnist"},
                {"--size", "8", "--out", out}, {"--size must be in [16, 64] pixels, found 8"},
                {"--size", "30", "--out", out}, {"--cell 4 must divide both sides", "shapes training image 0 is 30x30"},
                {"--hold-out", "pink/square", "--out", out}, {"--hold-out: expected colour/shape", "found pink/square"},
                {"--out", dir.toString()}, {"--out " + dir + " is a folder"},
                {"--rows", "4"}, {"Missing required option", "--out"},
        };
        for (int i = 0; i < cases.length; i += 2) {
            CliRun.Result r = tokenize(cases[i]);
            String args = String.join(" ", cases[i]);
            assertThat(r.rc()).as(args + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(args).hasSize(1);
            assertThat(r.err()).as(args).startsWith("fusion4j: ").contains(cases[i + 1]);
        }
        assertThat(Files.readString(f)).as("a failed run leaves the file it would replace")
                .isEqualTo("an earlier file");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("and no temporary file").containsExactly(f);
        }
    }
}
