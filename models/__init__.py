"""Models: SQL layers from raw tables to one customer (staging -> identity -> marts), and the rules on top."""
