"""hubsim"""
