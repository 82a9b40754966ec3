package io.fusion4j.eval.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.data.Image;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.eval.data.MixedVocabulary;
import io.fusion4j.eval.data.TokenRows;
import io.fusion4j.eval.image.Png;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A run on images end to end, as a user runs it: {@code train --dataset shapes --image-tokenizer grid} makes its rows
 * and trains, {@code generate} draws images for a caption and captions an image, and bad combinations are one-line
 * errors.
 */
class ImageRunCommandsTest extends InProcessCli {
    @Test
    void trainOnShapesWithTheGridTokenizerThenDrawAndCaption(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        assertThat(run("train", "--preset", "moma-1t1i", "--dataset", "shapes", "--image-tokenizer", "grid",
                "--caption-dropout", "0.2", "--steps", "4", "--out", runDir.toString(), "--threads", "1"))
                .as(err.toString()).isZero();
        // One fresh row per training sequence (4 steps × batch 8), held-out rows for 2 validation batches of 8.
        TokenRows train = TokenRows.read(runDir.resolve("data/train.safetensors"));
        assertThat(train.count()).isEqualTo(32);
        assertThat(TokenRows.read(runDir.resolve("data/held-out.safetensors")).count()).isEqualTo(16);
        assertThat(train.metadata()).containsEntry("caption_dropout", "0.2").containsEntry("image_tokens", "64");
        assertThat(out.toString()).contains("validation at step 4").containsPattern("\\(text \\d\\.\\d+, image \\d\\.\\d+\\)");
        Path step = runDir.resolve("step-00000004");
        Vocabulary v = MixedVocabulary.read(step.resolve(TrainCommand.MIXED_FILE));
        assertThat(v.imageCodes()).isEqualTo(64); // grid: 4 levels over 3 channels
        assertThat(v.size()).isEqualTo(train.vocab());
        assertThat(runDir.resolve("image-tokenizer/tokenizer.json")).exists();

        Path grid = dir.resolve("grid.png");
        assertThat(run("generate", "--run", runDir.toString(), "--prompt", "a red circle", "--out", grid.toString(),
                "--samples", "3", "--threads", "1")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("wrote 3 images for \"a red circle\"");
        Image g = Png.read(grid);
        assertThat(g.width()).isGreaterThan(3 * 32 * 2);

        Path one = dir.resolve("one.png");
        assertThat(run("generate", "--run", runDir.toString(), "--prompt", "a red circle", "--out", one.toString(),
                "--cfg", "2", "--threads", "1")).as(err.toString()).isZero();
        Image im = Png.read(one);
        assertThat(im.width()).isEqualTo(32);
        assertThat(im.height()).isEqualTo(32);
        // A grid drawing has one colour per 4x4 cell.
        assertThat(im.at(0, 0, 0)).isEqualTo(im.at(0, 3, 3));

        assertThat(run("generate", "--run", runDir.toString(), "--image", one.toString(), "--max-tokens", "8",
                "--threads", "1")).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("caption: ").contains("tokens from");

        // The wrong size of image is named with the size expected.
        assertThat(run("generate", "--run", runDir.toString(), "--image", grid.toString(), "--threads", "1"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("the run's image tokenizer takes 3x32x32");

        // Resuming keeps the rows the run trained on.
        long before = Files.getLastModifiedTime(runDir.resolve("data/train.safetensors")).toMillis();
        assertThat(run("train", "--preset", "moma-1t1i", "--dataset", "shapes", "--image-tokenizer", "grid",
                "--caption-dropout", "0.2", "--steps", "6", "--out", runDir.toString(), "--threads", "1", "--resume",
                "--allow-config-change")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("the run's own rows");
        assertThat(Files.getLastModifiedTime(runDir.resolve("data/train.safetensors")).toMillis()).isEqualTo(before);
    }

    @Test
    void badCombinationsAreOneLineErrors(@TempDir Path dir) {
        assertThat(run("train", "--preset", "moma-1t1i", "--dataset", "shapes", "--out", dir.resolve("a").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--dataset needs --image-tokenizer");
        assertThat(run("train", "--preset", "moma-1t1i", "--image-tokenizer", dir.resolve("nope").toString(),
                "--out", dir.resolve("b").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("no such folder");
        assertThat(run("train", "--preset", "moma-1t1i", "--image-tokenizer", "grid", "--tokens", "x.safetensors",
                "--out", dir.resolve("c").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("drop --tokens");
        assertThat(run("train", "--preset", "moma-1t1i", "--image-tokenizer", "grid", "--caption-dropout", "2",
                "--out", dir.resolve("d").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--caption-dropout must be in [0, 1], found 2");
        assertThat(run("train", "--preset", "transfusion-tiny", "--dataset", "shapes", "--max-objects", "4",
                "--out", dir.resolve("e").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--max-objects must be in [1, 3], found 4");
        assertThat(run("train", "--preset", "transfusion-tiny", "--dataset", "mnist", "--max-objects", "1",
                "--out", dir.resolve("f").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--max-objects and --hold-out apply to --dataset shapes only");
    }

    /** The validation value of {@code term} at each validation, in order, from a run's metrics.jsonl. */
    private static java.util.List<Double> validation(Path run, String term) throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.List<Double> out = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            var n = mapper.readTree(line);
            if (n.path("event").asText().equals("validation")) {
                out.add(n.path("terms").path(term).path("value").asDouble());
            }
        }
        return out;
    }

    @Test
    void transfusionTrainsOnShapesThenDrawsAndCaptions(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("tf");
        assertThat(run("train", "--preset", "transfusion-tiny", "--dataset", "shapes", "--steps", "50", "--out",
                runDir.toString(), "--threads", "1")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("64 patches of 48 floats").containsPattern("lm \\d\\.\\d+, diffusion \\d");
        java.util.List<Double> diffusion = validation(runDir, "diffusion");
        java.util.List<Double> lm = validation(runDir, "lm");
        assertThat(diffusion).hasSize(2);
        assertThat(diffusion.get(1)).as("held-out diffusion loss falls").isLessThan(diffusion.get(0));
        assertThat(lm.get(1)).as("held-out LM loss falls").isLessThan(lm.get(0));

        Path png = dir.resolve("tf.png");
        assertThat(run("generate", "--run", runDir.toString(), "--prompt", "a red circle", "--out", png.toString(),
                "--steps", "4", "--cfg", "2", "--threads", "1")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("DDIM-4, cfg 2.0");
        Image im = Png.read(png);
        assertThat(im.width()).isEqualTo(32);
        assertThat(run("generate", "--run", runDir.toString(), "--image", png.toString(), "--max-tokens", "6",
                "--threads", "1")).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("caption: ");
        // Text, in the same stream that would switch to an image at BOI; 'caption' is generate with --image.
        assertThat(run("generate", "--run", runDir.toString(), "--prompt", "a", "--max-tokens", "5", "--steps", "3",
                "--threads", "1")).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("a").contains("tokens from");
        assertThat(run("caption", "--run", runDir.toString(), "--image", png.toString(), "--max-tokens", "4",
                "--threads", "1")).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("caption: ");
        assertThat(run("train", "--preset", "transfusion-tiny", "--out", dir.resolve("x").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("trains on image-caption pairs: give --dataset");
    }

    @Test
    void theChameleonBaselineTrainsOnCodesLaidOutAsTransfusionsData(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("cham");
        assertThat(run("train", "--preset", "chameleon", "--dataset", "shapes", "--image-tokenizer", "grid",
                "--layout", "transfusion", "--caption-dropout", "0.1", "--steps", "8", "--out", runDir.toString(),
                "--threads", "1")).as(err.toString()).isZero();
        TokenRows rows = TokenRows.read(runDir.resolve("data/train.safetensors"));
        assertThat(rows.metadata()).containsEntry("layout", "transfusion");
        Vocabulary v = MixedVocabulary.read(runDir.resolve("step-00000008").resolve(TrainCommand.MIXED_FILE));
        // Count documents by what follows BOS: BOI (image first or caption dropped) or caption text.
        int[] all = new int[rows.count()];
        for (int r = 0; r < all.length; r++) {
            all[r] = r;
        }
        int[] ids = rows.batch(all, io.fusion4j.api.data.DataPosition.START).ids();
        int imageFirst = 0;
        int captionFirst = 0;
        for (int i = 0; i + 1 < ids.length; i++) {
            if (ids[i] == v.bos()) {
                if (ids[i + 1] == v.boi()) {
                    imageFirst++;
                } else if (i + 2 < ids.length && java.util.Arrays.stream(ids, i + 1, Math.min(ids.length, i + 40))
                        .anyMatch(x -> x == v.boi())) {
                    captionFirst++;
                }
            }
        }
        double share = (double) captionFirst / (captionFirst + imageFirst);
        // 80% caption first, of which 10% lose their caption and look image-first: about 0.72.
        assertThat(share).as("caption-first share of %d pairs", captionFirst + imageFirst).isBetween(0.6, 0.85);
        assertThat(run("train", "--preset", "chameleon", "--dataset", "shapes", "--image-tokenizer", "grid",
                "--layout", "chameleon", "--out", dir.resolve("bad").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--layout must be moma or transfusion, found chameleon");
    }
}
