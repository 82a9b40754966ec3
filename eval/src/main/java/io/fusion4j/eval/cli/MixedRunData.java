package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.DiscreteImageCodec;
import io.fusion4j.api.data.GridImageTokenizer;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.eval.data.ImageCodecs;
import io.fusion4j.eval.data.ImageTextRows;
import io.fusion4j.eval.data.MixedTokenRows;
import io.fusion4j.eval.data.images.ImageTextDataset;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The data of a {@code train --dataset … --image-tokenizer …} run, made once into the run folder: the image tokenizer
 * copied to {@code image-tokenizer/}, training rows in {@code data/train.safetensors} (one fresh row per training
 * sequence: steps × batch) and held-out rows from the dataset's validation split in {@code data/held-out.safetensors}.
 * Training then reads them as {@code --tokens} rows, so resume, fingerprints and validation work as for any
 * pre-tokenized run; a resumed run reuses the files it trained on.
 */
final class MixedRunData {
    static final String TRAIN_FILE = "data/train.safetensors";
    static final String HELD_OUT_FILE = "data/held-out.safetensors";

    /** The two row files (held-out null when validation is off). */
    record RowFiles(Path train, Path heldOut) {
    }

    private MixedRunData() {
    }

    /**
     * Makes (or, when {@code reuse} and they exist, keeps) the run's rows.
     *
     * @param tokenizer  {@code grid} or an image tokenizer folder
     * @param trainRows  training rows to write
     * @param heldRows   held-out rows to write (0: none)
     * @param backends   a backend to encode images on (a learned tokenizer runs its encoder)
     */
    static RowFiles prepare(Path run, boolean reuse, ImageTextOptions options, String tokenizer, long seed,
                          ImageTextRows.Layout layout, int trainRows, int heldRows, int length, Supplier<Backend> backends,
                          PrintWriter out, PrintWriter err) throws IOException {
        Path train = run.resolve(TRAIN_FILE);
        Path held = run.resolve(HELD_OUT_FILE);
        if (reuse && Files.isRegularFile(train)) {
            out.printf("data: the run's own rows in %s%n", train);
            return new RowFiles(train, heldRows > 0 && Files.isRegularFile(held) ? held : null);
        }
        if ((long) trainRows * (length + 1) > Integer.MAX_VALUE - 8) {
            throw new UserInputException("--steps: " + trainRows + " training rows of " + (length + 1) + " ids do not"
                    + " fit one rows file; train fewer steps and resume with more");
        }
        ImageTextDataset data = options.open(seed);
        if (data.size(ImageTextDataset.Split.TRAIN) == 0) {
            throw new UserInputException("--dataset " + options.dataset + " has no training examples");
        }
        int channels = data.get(ImageTextDataset.Split.TRAIN, 0).image().channels();
        int side = data.get(ImageTextDataset.Split.TRAIN, 0).image().height();
        try (Backend backend = backends.get()) {
            Path own = run.resolve(ImageCodecs.RUN_FOLDER);
            if (tokenizer.equals("grid")) {
                GridImageTokenizer grid = ImageCodecs.defaultGrid(channels);
                if (side % grid.cell() != 0) {
                    throw new UserInputException("--image-tokenizer grid: its " + grid.cell() + "-pixel cells do not"
                            + " divide " + options.dataset + "'s " + side + "-pixel images");
                }
                ImageCodecs.writeGrid(own, grid, channels, side);
            } else {
                Path dir = Path.of(tokenizer);
                if (!Files.isDirectory(dir)) {
                    throw new UserInputException("--image-tokenizer " + tokenizer + ": no such folder (give grid, or a"
                            + " folder from 'fusion4j tokenizer train')");
                }
                ImageCodecs.load(dir, backend); // refuses a bad folder before anything is copied
                ImageCodecs.copy(dir, own);
            }
            DiscreteImageCodec codec = ImageCodecs.load(own, backend);
            if (codec.channels() != channels) {
                throw new UserInputException("--image-tokenizer " + tokenizer + " encodes " + codec.channels()
                        + "-channel images, but " + options.dataset + "'s have " + channels);
            }
            if (codec.tokensPerImage() + 2 > length + 1) {
                throw new UserInputException("--image-tokenizer " + tokenizer + ": an image takes "
                        + codec.tokensPerImage() + " codes plus BOI and EOI, more than the " + (length + 1)
                        + " positions of a row; use a preset with a longer seqLen");
            }
            ByteBpeTokenizer tok = options.textTokenizer(data);
            write(data, ImageTextDataset.Split.TRAIN, codec, tok, options, trainRows, length, seed, layout,
                    train, out, err);
            if (heldRows > 0) {
                if (data.size(ImageTextDataset.Split.VALIDATION) == 0) {
                    out.println("data: " + options.dataset + " has no held-out examples; validation is off");
                    return new RowFiles(train, null);
                }
                write(data, ImageTextDataset.Split.VALIDATION, codec, tok, options, heldRows, length, seed,
                        new ImageTextRows.Layout(layout.name(), layout.captionFirst(), 0), held,
                        out, err);
            }
            return new RowFiles(train, heldRows > 0 ? held : null);
        }
    }

    private static void write(ImageTextDataset data, ImageTextDataset.Split split, DiscreteImageCodec codec,
                              ByteBpeTokenizer tok, ImageTextOptions options, int rows, int length, long seed,
                              ImageTextRows.Layout layout, Path file, PrintWriter out, PrintWriter err)
            throws IOException {
        long start = System.nanoTime();
        long[] shown = {start};
        ImageTextRows.Built b = ImageTextRows.build(data, split, codec, tok, options.texts(tok, split), rows, length,
                seed, layout, done -> {
                    long now = System.nanoTime();
                    if (now - shown[0] > 2_000_000_000L && done < rows) {
                        shown[0] = now;
                        err.printf("fusion4j: tokenizing %s: %,d of %,d rows...%n", data.name(), done, rows);
                        err.flush();
                    }
                });
        Map<String, String> m = ImageTextRows.metadata(b);
        m.put("dataset", options.dataset);
        m.put("split", split == ImageTextDataset.Split.TRAIN ? "train" : "held-out");
        m.put("seed", Long.toString(seed));
        m.put("caption_dropout", Double.toString(layout.captionDrop()));
        MixedTokenRows.write(b.rows(), m, file);
        out.printf(Locale.ROOT, "data: %,d %s rows of %s in %s (text %.1f%% : image %.1f%% of tokens, %d codes per"
                        + " image, vocab %d) in %.1f s%n", rows, m.get("split"), options.dataset, file,
                100 * b.rows().textShare(), 100 * (1 - b.rows().textShare()), codec.tokensPerImage(),
                b.vocabulary().size(), (System.nanoTime() - start) / 1e9);
        out.flush();
    }
}
