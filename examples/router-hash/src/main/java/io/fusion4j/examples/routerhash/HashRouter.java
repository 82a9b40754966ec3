package io.fusion4j.examples.routerhash;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.nn.NamedComponent;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.Arrays;

/**
 * Hash routing (Roller et al. 2021, "Hash Layers for Large Sparse Models", with a fixed multiplicative hash): row
 * {@code i} goes to expert {@link #expert expert(key_i)}, where {@code key_i} is the row's input token id when the
 * router sees the token layout, and the row index inside the group when it does not (a sub-router of another router
 * gets rows without their layout). Each row goes to exactly one expert with weight 1 (gates null), padding to none.
 * There is nothing to learn, no parameter, no auxiliary loss and no randomness; a row's expert depends on that row
 * alone, so the router is causal.
 */
public final class HashRouter extends NamedComponent implements Router {
    /** Knuth's multiplicative hashing constant, {@code floor(2^32 / φ)}. */
    public static final long MULTIPLIER = 2654435761L;

    private final int experts;
    private final int salt;

    HashRouter(String prefix, int experts, int salt) {
        super(prefix); // no parameters: a router that declares none names none
        if (experts < 1) {
            throw new IllegalArgumentException("hash router needs at least one expert, found " + experts);
        }
        this.experts = experts;
        this.salt = salt;
    }

    /** {@code ((key + salt) · 2654435761) mod experts}, in exact arithmetic (never negative). */
    public static int expert(long key, int salt, int experts) {
        long k = Math.floorMod(key + salt, (long) experts);
        return (int) Math.floorMod(k * Math.floorMod(MULTIPLIER, (long) experts), (long) experts);
    }

    @Override
    public int experts() {
        return experts;
    }

    @Override
    public boolean causal() {
        return true;
    }

    @Override
    public Routing route(RouterInput in) {
        Graph g = in.pass().graph();
        int n = Math.toIntExact(in.rows());
        TokenMeta tokens = in.tokens();

        // The keys and which rows may be routed, on the host: ids [B, T] flatten to the rows b·T + t.
        int[] keys = new int[n];
        boolean[] valid;
        if (tokens != null) {
            if (n > 0) {
                g.backend().copyToHost(tokens.ids(), keys);
            }
            valid = tokens.hostValid(g.backend());
        } else {
            for (int i = 0; i < n; i++) {
                keys[i] = i;
            }
            valid = new boolean[n];
            Arrays.fill(valid, true);
        }

        // Counting sort by expert: rows come out grouped by expert, ascending within each, each row at most once.
        int[] choice = new int[n];
        int[] counts = new int[experts];
        for (int i = 0; i < n; i++) {
            choice[i] = valid[i] ? expert(keys[i], salt, experts) : -1;
            if (choice[i] >= 0) {
                counts[choice[i]]++;
            }
        }
        int[] offsets = Routing.offsetsOf(counts);
        int m = offsets[experts];
        int[] rows = new int[m];
        int[] fill = offsets.clone();
        for (int i = 0; i < n; i++) {
            if (choice[i] >= 0) {
                rows[fill[choice[i]]++] = i;
            }
        }

        Tensor rowT = g.arena().allocate(DType.I32, Shape.of(m));
        if (m > 0) {
            g.backend().copyFromHost(rows, rowT);
        }
        Tensor offT = Routing.offsets(g.backend(), g.arena(), counts);
        return new Routing(n, experts, rowT, offT, counts, null, 0);
    }
}
