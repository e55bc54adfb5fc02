"""Platform adapters: each turns its platform's payloads into InboundMessage and sends replies."""
