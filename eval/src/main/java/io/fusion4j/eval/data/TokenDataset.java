package io.fusion4j.eval.data;

import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;


/**
 * Fixed-length windows over a token stream. Sample {@code i} of epoch {@code e} is window
 * {@code perm(seed, e)[i]}, a permutation drawn from {@code (seed, epoch)} alone, so the order is a pure
 * function of {@code (seed, epoch, index)}: a resumed run sees exactly the samples it would have seen.
 */
public final class TokenDataset {
    private final int[] tokens;
    private final int length;
    private final long seed;
    private final int windows;
    private long cachedEpoch = -1;
    private int[] cachedPerm;

    public TokenDataset(int[] tokens, int length, long seed) {
        if (length < 1) {
            throw new IllegalArgumentException("sequence length must be >= 1, got " + length);
        }
        if (tokens.length < length + 1) {
            throw new io.fusion4j.api.UserInputException("the data has " + tokens.length + " tokens, fewer than one sequence of "
                    + (length + 1));
        }
        this.tokens = tokens;
        this.length = length;
        this.seed = seed;
        this.windows = (tokens.length - 1) / length;
    }

    /** Samples per epoch. */
    public int size() {
        return windows;
    }

    /** The window index of sample {@code index} in {@code epoch}. */
    public synchronized int windowOf(long epoch, int index) {
        if (epoch != cachedEpoch) {
            cachedPerm = DataOrder.permutation(seed, epoch, windows);
            cachedEpoch = epoch;
        }
        return cachedPerm[index];
    }

    /** Fills row {@code row} of ids/targets with sample {@code index} of {@code epoch}. */
    void fill(long epoch, int index, int[] ids, int[] targets, int row) {
        int start = windowOf(epoch, index) * length;
        System.arraycopy(tokens, start, ids, row * length, length);
        System.arraycopy(tokens, start + 1, targets, row * length, length);
    }

    /**
     * Text-only batches of {@code batchSize} from {@code from} on, endless (epochs roll over), built on a worker
     * thread with at most {@code prefetch} batches waiting.
     */
    public Flux<MixedBatch> batches(int batchSize, DataPosition from, int prefetch) {
        if (batchSize < 1 || batchSize > windows) {
            throw new io.fusion4j.api.UserInputException("the batch size must be in [1, " + windows + "] for this data, got " + batchSize);
        }
        return Flux.<MixedBatch, long[]>generate(() -> new long[]{from.epoch(), from.index()}, (pos, sink) -> {
            int[] ids = new int[batchSize * length];
            int[] tg = new int[batchSize * length];
            for (int b = 0; b < batchSize; b++) {
                if (pos[1] >= windows) {
                    pos[0]++;
                    pos[1] = 0;
                }
                fill(pos[0], (int) pos[1], ids, tg, b);
                pos[1]++;
            }
            sink.next(MixedBatch.textOnly(batchSize, length, ids, tg, new DataPosition(pos[0], pos[1])));
            return pos;
        }).subscribeOn(Schedulers.boundedElastic()).publishOn(Schedulers.boundedElastic(), prefetch);
    }

    /** The trainer's view: batches of {@code batchSize} from any position, two prefetched. */
    public BatchSource<MixedBatch> source(int batchSize) {
        return from -> batches(batchSize, from, 2).toStream(2);
    }

    /** The first {@code count} batches of epoch 0 in order: a fixed set, for held-out data. */
    public java.util.List<MixedBatch> fixedBatches(int batchSize, int count) {
        return batches(batchSize, DataPosition.START, 2).take(count).collectList().block();
    }
}
