
HERE = os.path.dirname(os.path.abspath(__file__))


def build(weights=True):
    """The scored network. With weights=True and model.safetensors beside this
    file, its parameters are the initial weights zerolm drew (else fresh ones
    from the same distributions)."""
    model = Network(ARCHITECTURE, PROTOCOL)
    path = os.path.join(HERE, "model.safetensors")
    if weights and os.path.exists(path):
        state = load_safetensors(path)
        names = dict(model.named_parameters())
        if set(state) != set(names):
            raise ValueError("%s: tensors %s differ from the module's parameters" %
                             (path, sorted(set(state) ^ set(names))))
        with torch.no_grad():
            for name, parameter in names.items():
                if tuple(state[name].shape) != tuple(parameter.shape):
                    raise ValueError("%s: tensor %s has shape %s, the module %s" %
                                     (path, name, list(state[name].shape), list(parameter.shape)))
                parameter.copy_(state[name].to(parameter.dtype))
    return model


if __name__ == "__main__":
    network = build()
    total = sum(p.numel() for p in network.parameters())
    print("%s (%s, protocol %s): %d parameters" % (os.path.basename(HERE), SPACE, PROTOCOL, total))
