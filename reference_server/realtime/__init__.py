"""Real time: WebSocket sessions for visitors and agents, and the broadcast backend that
carries events between them (in-process for one worker, Redis pub/sub for many)."""
