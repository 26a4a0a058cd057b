"""An optional LLM that classifies customers' posts (an OpenAI-compatible chat endpoint named in config/llm.toml);
off unless that file turns it on. The learned model answers whenever the LLM cannot, and every build says how often."""
