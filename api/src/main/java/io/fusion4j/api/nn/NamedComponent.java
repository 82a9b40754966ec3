package io.fusion4j.api.nn;

import java.util.List;

/** A module's name and the parameter names it declared itself; blocks that only hold children declare none. */
public abstract class NamedComponent implements Component {
    private final String name;
    private final List<String> parameterNames;

    protected NamedComponent(String name, String... parameterNames) {
        this.name = name;
        this.parameterNames = List.of(parameterNames);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final List<String> parameterNames() {
        return parameterNames;
    }
}
