package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.eval.data.TokenRows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's pre-tokenized rows split for work on a trained model: the last {@code heldOut} micro-batches (of the size
 * the run trained with, so expert choice ranks over as many tokens as in training) are held out, the rest may be
 * trained on. What {@code train-aux-routers} and {@code inspect-routing} both read.
 */
record HeldOutRows(Path file, TokenRows rows, int microRows, List<MixedBatch> heldOut) {
    /** Where {@code train --dataset} leaves a run's pre-tokenized rows. */
    static final String RUN_ROWS = "data/train.safetensors";

    /**
     * Opens {@code tokens}, or the run's own {@value #RUN_ROWS} when null, checks it against the run's training
     * settings and vocabulary, and holds out {@code heldOut} micro-batches, leaving at least {@code minTrainRows}.
     */
    static HeldOutRows open(Path run, Path tokens, TrainConfig train, int vocab, int heldOut, int minTrainRows)
            throws IOException {
        Path file = tokens != null ? tokens : run.resolve(RUN_ROWS);
        if (tokens == null && !Files.isRegularFile(file)) {
            throw new UserInputException("--run " + run + " holds no " + RUN_ROWS + "; give its rows with --tokens FILE"
                    + " (as `fusion4j data tokenize` writes them)");
        }
        TokenRows rows = TokenRows.read(file);
        if (rows.length() != train.seqLen() || rows.vocab() > vocab) {
            throw new UserInputException(file + ": rows of " + rows.length() + " tokens over a vocabulary of "
                    + rows.vocab() + ", but the run trained on rows of " + train.seqLen() + " over " + vocab);
        }
        int micro = train.batch() / train.microBatches();
        int held = heldOut * micro;
        if (rows.count() < held + minTrainRows) {
            throw new UserInputException(file + ": " + rows.count() + " rows, fewer than the " + (held + minTrainRows)
                    + " that " + heldOut + " held-out micro-batches of " + micro + " rows"
                    + (minTrainRows > 0 ? " and " + minTrainRows + " rows to train on" : "") + " need");
        }
        int first = rows.count() - held;
        List<MixedBatch> batches = new ArrayList<>();
        for (int b = 0; b < heldOut; b++) {
            int[] picks = new int[micro];
            for (int i = 0; i < micro; i++) {
                picks[i] = first + b * micro + i;
            }
            batches.add(rows.batch(picks, DataPosition.START));
        }
        return new HeldOutRows(file, rows, micro, List.copyOf(batches));
    }

    /** Rows before the held-out ones: {@code 0 .. trainRows() - 1}. */
    int trainRows() {
        return rows.count() - heldOut.size() * microRows;
    }

    int heldOutRows() {
        return heldOut.size() * microRows;
    }
}
