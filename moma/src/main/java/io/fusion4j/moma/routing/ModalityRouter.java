package io.fusion4j.moma.routing;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.NamedComponent;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.ExpertGroup;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * MoMa's hierarchical routing: a hard partition of the rows by their input token's modality into one expert group
 * per modality (text experts first, then image experts), and inside each group a sub-router over that group's rows
 * alone. A text token never reaches an image expert. A group of one expert has no sub-router and no gate: every row of
 * the modality goes through it with weight 1 (MoMa's 1t1i, moma.md §10.3). Padding is in no group.
 */
public final class ModalityRouter extends NamedComponent implements Router {
    private static final Modality[] ORDER = {Modality.TEXT, Modality.IMAGE};

    private final int[] sizes;
    private final Router[] sub;

    /** {@code sub[m]} routes group {@code m} ({@link #ORDER}); null for a group of one expert. */
    ModalityRouter(String name, int[] sizes, Router[] sub) {
        super(name);
        this.sizes = sizes.clone();
        this.sub = sub.clone();
    }

    /** The groups' sub-routers in group order (text, image), leaving out groups of one expert, which have none. */
    public List<Router> subRouters() {
        List<Router> out = new ArrayList<>();
        for (Router r : sub) {
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    @Override
    public int experts() {
        return sizes[0] + sizes[1];
    }

    @Override
    public List<ExpertGroup> groups() {
        return List.of(new ExpertGroup("text", sizes[0]), new ExpertGroup("image", sizes[1]));
    }

    @Override
    public boolean causal() {
        return (sub[0] == null || sub[0].causal()) && (sub[1] == null || sub[1].causal());
    }

    @Override
    public Routing route(RouterInput in) {
        TokenMeta tokens = in.tokens();
        if (tokens == null) {
            throw new IllegalStateException("router '" + name() + "' (modality) needs the tokens' modalities; it was"
                    + " given a group of rows without them (it cannot be a sub-router)");
        }
        Graph g = in.pass().graph();
        int n = Math.toIntExact(in.rows());
        int experts = experts();
        int[] counts = new int[experts];
        List<Tensor> rowParts = new ArrayList<>();
        List<Var> gateParts = new ArrayList<>();
        List<Integer> partSizes = new ArrayList<>();
        boolean anyGate = false;
        long dropped = 0;
        int first = 0;
        for (int gi = 0; gi < ORDER.length; gi++) {
            Modality m = ORDER[gi];
            int count = tokens.countOf(m);
            if (count > 0) {
                Tensor groupRows = groupRows(g, tokens, m, n);
                if (sub[gi] == null) {
                    counts[first] = count;
                    rowParts.add(groupRows);
                    gateParts.add(null);
                    partSizes.add(count);
                } else {
                    Var x = g.gatherRows(in.hidden(), groupRows);
                    Routing r = sub[gi].route(new RouterInput(in.pass(), x, null));
                    System.arraycopy(r.counts(), 0, counts, first, sizes[gi]);
                    int mm = Math.toIntExact(r.assignments());
                    Tensor global = g.arena().allocate(DType.I32, Shape.of(mm));
                    if (mm > 0) {
                        g.backend().gatherIndices(groupRows, r.rows(), global);
                    }
                    rowParts.add(global);
                    gateParts.add(r.gates());
                    partSizes.add(mm);
                    anyGate |= r.gates() != null;
                    dropped += r.dropped();
                }
            }
            first += sizes[gi];
        }
        int total = 0;
        for (int s : partSizes) {
            total += s;
        }
        Tensor rows = g.arena().allocate(DType.I32, Shape.of(total));
        int at = 0;
        for (int p = 0; p < rowParts.size(); p++) {
            int s = partSizes.get(p);
            if (s > 0) {
                g.backend().copy(rowParts.get(p), rows.slice(at, at + s));
            }
            at += s;
        }
        Var gates = anyGate ? concatGates(g, gateParts, partSizes, total) : null;
        return new Routing(n, experts, rows, Routing.offsets(g.backend(), g.arena(), counts), counts, gates, dropped);
    }

    /** The rows of modality {@code m}: the pass's index, or every row when the whole pass is that modality. */
    private static Tensor groupRows(Graph g, TokenMeta tokens, Modality m, int n) {
        Tensor r = tokens.rowsOf(m);
        if (r != null) {
            return r;
        }
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        Tensor t = g.arena().allocate(DType.I32, Shape.of(n));
        g.backend().copyFromHost(all, t);
        return t;
    }

    /** One gate vector from the groups' parts, in order; an ungated part gets weight 1 (a constant). */
    private static Var concatGates(Graph g, List<Var> parts, List<Integer> sizes, int total) {
        Var out = null;
        int at = 0;
        for (int p = 0; p < parts.size(); p++) {
            int s = sizes.get(p);
            if (s == 0) {
                continue;
            }
            Var part = parts.get(p);
            if (part == null) {
                Tensor ones = g.arena().allocate(DType.F32, Shape.of(s));
                g.backend().fill(ones, 1f);
                part = g.constant(ones);
            }
            int[] idx = new int[s];
            for (int i = 0; i < s; i++) {
                idx[i] = at + i;
            }
            Tensor it = g.arena().allocate(DType.I32, Shape.of(s));
            g.backend().copyFromHost(idx, it);
            Var placed = g.scatterAddRows(g.reshape(part, Shape.of(s, 1)), it, null, total);
            out = out == null ? placed : g.add(out, placed);
            at += s;
        }
        return g.reshape(out, Shape.of(total));
    }
}
